import Foundation
import Testing

@testable import SecondFactorWeb

/// The API bodies' decoding and range checks (`APIBodies`, also what `Fuzz/APIBodyFuzzer.swift` runs): every hostile
/// number is refused with an error naming its field, before any arithmetic, never a trap.
@Suite("JSON API bodies: numbers range-checked before arithmetic")
struct APIBodiesTests {
    /// Raw JSON values sent in place of each field.
    static let hostile = [
        "9223372036854775807", "-9223372036854775808", "-1", "0", "1e308", "-1e308", "1.5", "\"60\"", "null", "true",
        "12345678901234567890", String(repeating: "9", count: 400),
    ]

    func parse(_ endpoint: APIEndpoint, _ json: String, longest: Int = 720) -> Result<APIBody, APIBodyError> {
        do {
            return .success(try APIBodies.parse(endpoint, Data(json.utf8), longestCycleMinutes: longest))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [
        ("9223372036854775807", "invalid_cycle"), ("-9223372036854775808", "invalid_cycle"), ("-1", "invalid_cycle"),
        ("0", "invalid_cycle"), ("9", "invalid_cycle"), ("721", "invalid_cycle"), ("1e308", "bad_request"),
        ("-1e308", "bad_request"), ("1.5", "bad_request"), ("\"60\"", "bad_request"), ("true", "bad_request"),
        ("12345678901234567890", "bad_request"), (String(repeating: "9", count: 400), "bad_request"),
    ])
    func aCycleOutOfRangeIsRefusedNamingTheField(value: String, code: String) throws {
        // The review's request: Int.max minutes reached `* 60` and trapped. Now it is a 400 naming the field.
        let result = self.parse(.settings, #"{"cycle_minutes":\#(value)}"#)
        guard case .failure(let error) = result else {
            Issue.record("\(value.prefix(30)) was accepted: \(result)")
            return
        }
        #expect(error.code == code)
        #expect(error.field == "cycle_minutes")
        #expect(error.english.contains("'cycle_minutes'"))
        #expect(error.korean.contains("'cycle_minutes'"))
    }

    @Test func cyclesWithinRangeAreMinutesInSeconds() {
        #expect(self.parse(.settings, #"{"cycle_minutes":10}"#) == .success(.settings(cycleSeconds: 600)))
        #expect(self.parse(.settings, #"{"cycle_minutes":720}"#) == .success(.settings(cycleSeconds: 43_200)))
        #expect(self.parse(.settings, #"{"cycle_minutes":null}"#) == .success(.settings(cycleSeconds: nil)))
        #expect(self.parse(.settings, "{}") == .success(.settings(cycleSeconds: nil)))
        // The longest cycle a configuration allows (3650 days) still multiplies without overflow.
        let longest = 3650 * 24 * 60
        #expect(self.parse(.settings, #"{"cycle_minutes":\#(longest)}"#, longest: longest)
            == .success(.settings(cycleSeconds: Int64(longest) * 60)))
    }

    /// Each endpoint's fields with a valid body; every field gets every hostile value in turn.
    static let bodies: [(APIEndpoint, [String: String])] = [
        (.enroll, ["channel": "\"totp\"", "phone": "\"010-9876-5432\"", "emergency_email": "\"a@b.example\""]),
        (.enrollConfirm, ["email_code": "\"200909\"", "channel_code": "\"647227\""]),
        (.challenge, ["emergency": "false"]),
        (.verify, ["code": "\"488939\""]),
        (.settings, ["cycle_minutes": "60"]),
        (.export, ["path": "\"/sales/cancels/export.csv\"", "reason": "\"settlement\"", "reason_text": "\"x\"",
                   "password": "\"Aa1!aaaa\"", "generate_password": "true"]),
    ]
    static let optional: Set<String> = ["phone", "emergency", "cycle_minutes", "reason_text", "password", "generate_password"]
    static let booleans: Set<String> = ["emergency", "generate_password"]

    @Test(arguments: Self.bodies.indices)
    func everyFieldOfEveryBodyRefusesAWrongValueByName(index: Int) {
        let (endpoint, body) = Self.bodies[index]
        let json = "{" + body.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        #expect(throws: Never.self) { _ = try APIBodies.parse(endpoint, Data(json.utf8), longestCycleMinutes: 720) }
        for field in body.keys {
            for value in Self.hostile {
                var changed = body
                changed[field] = value
                let text = "{" + changed.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
                let result = self.parse(endpoint, text)
                let fits = (value == "null" && Self.optional.contains(field))
                    || (value == "true" && Self.booleans.contains(field))
                    || (value == "\"60\"" && !Self.booleans.contains(field) && field != "cycle_minutes")
                if fits {
                    if case .failure(let error) = result { Issue.record("\(endpoint) \(field)=\(value): \(error)") }
                } else if case .failure(let error) = result {
                    #expect(error.field == field, "\(endpoint) \(field)=\(value.prefix(30)): \(error)")
                } else {
                    Issue.record("\(endpoint) \(field)=\(value.prefix(30)) was accepted")
                }
            }
        }
    }

    @Test(arguments: ["[]", "1", "null", "\"x\"", "{", "", "{\"a\":" + String(repeating: "[", count: 5000)])
    func aBodyThatIsNoObjectIsRefusedAsAWhole(json: String) {
        for endpoint in APIEndpoint.allCases where !(endpoint == .challenge && json.isEmpty) {
            guard case .failure(let error) = self.parse(endpoint, json) else {
                Issue.record("\(endpoint) accepted \(json.prefix(20))")
                continue
            }
            #expect(error.code == "bad_request")
            #expect(error.field == nil, "\(endpoint) \(json.prefix(20)): \(error)")
        }
    }
}
