import Foundation

// The JSON API's request bodies (docs/API.md), decoded and range-checked without HTTP.
//
// This file imports Foundation only, on purpose: `APIRoutes` and `ExportRoutes` call it for every body, and
// `Fuzz/APIBodyFuzzer.swift` compiles it on its own with `swiftc -sanitize=fuzzer,address`, so the fuzzer exercises
// exactly the production parsing. Every number a body carries is checked against its documented range here, before
// any arithmetic on it: a verified user once sent `{"cycle_minutes": 9223372036854775807}`, the route multiplied it
// by 60 and the overflow trap took down every seller's connection.

/// Why a body is refused: a stable code, the field it names (nil: the body as a whole), and a sentence for people in
/// Korean and English. The routes answer it as `400 {"error": code, "message": …}`.
package struct APIBodyError: Error, Sendable, Equatable {
    package let code: String
    package let field: String?
    package let korean: String
    package let english: String

    package init(code: String = "bad_request", field: String?, korean: String, english: String) {
        self.code = code
        self.field = field
        self.korean = korean
        self.english = english
    }
}

/// The endpoints under `/__guard/api/` that take a body.
package enum APIEndpoint: String, CaseIterable, Sendable {
    case enroll, enrollConfirm = "enroll/confirm", challenge, verify, settings, export
}

package struct EnrollRequest: Decodable, Sendable, Equatable {
    package let channel: String
    package let phone: String?
    package let emergencyEmail: String
    enum CodingKeys: String, CodingKey { case channel, phone, emergencyEmail = "emergency_email" }
}

package struct ConfirmRequest: Decodable, Sendable, Equatable {
    package let emailCode: String
    package let channelCode: String
    enum CodingKeys: String, CodingKey { case emailCode = "email_code", channelCode = "channel_code" }
}

package struct ChallengeRequest: Decodable, Sendable, Equatable {
    package let emergency: Bool?
    package init(emergency: Bool?) { self.emergency = emergency }
}

package struct VerifyRequest: Decodable, Sendable, Equatable {
    package let code: String
}

/// `settings`: the account's own cycle in whole minutes, or nil (absent or `null`) for the guard's.
package struct SettingsRequest: Decodable, Sendable, Equatable {
    package let cycleMinutes: Int?
    enum CodingKeys: String, CodingKey { case cycleMinutes = "cycle_minutes" }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.cycleMinutes = try c.wholeNumber(.cycleMinutes)
    }
}

extension KeyedDecodingContainer {
    /// An optional whole number. `JSONDecoder` reports a number that is fractional or does not fit (`1.5`, `1e308`,
    /// twenty digits) without the field's path; this names the field, so the caller's 400 can say which one.
    func wholeNumber(_ key: Key) throws -> Int? {
        do {
            return try self.decodeIfPresent(Int.self, forKey: key)
        } catch DecodingError.typeMismatch(let type, let context) {
            throw DecodingError.typeMismatch(type, context)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a whole number that fits")
        }
    }
}

package struct ExportRequest: Decodable, Sendable, Equatable {
    package let path: String
    package let reason: String
    package let reasonText: String?
    package let password: String?
    package let generatePassword: Bool?
    enum CodingKeys: String, CodingKey {
        case path, reason, reasonText = "reason_text", password, generatePassword = "generate_password"
    }
}

/// A body decoded for its endpoint (what the fuzzer compares; the routes call the typed functions below).
package enum APIBody: Sendable, Equatable {
    case enroll(EnrollRequest)
    case enrollConfirm(ConfirmRequest)
    case challenge(ChallengeRequest)
    case verify(VerifyRequest)
    /// The cycle in seconds, already within range; nil for the guard's default.
    case settings(cycleSeconds: Int64?)
    case export(ExportRequest)
}

package enum APIBodies {
    /// The shortest cycle an account may choose, in minutes (`SecondFactorService.shortestCycle`, which checks again).
    package static let shortestCycleMinutes = 10

    /// Decodes and checks `body` as `endpoint` takes it. `longestCycleMinutes` is the guard's `cycle` in minutes.
    package static func parse(_ endpoint: APIEndpoint, _ body: Data, longestCycleMinutes: Int) throws(APIBodyError) -> APIBody {
        switch endpoint {
        case .enroll: .enroll(try self.enroll(body))
        case .enrollConfirm: .enrollConfirm(try self.confirm(body))
        case .challenge: .challenge(try self.challenge(body))
        case .verify: .verify(try self.verify(body))
        case .settings: .settings(cycleSeconds: try self.settings(body, longestCycleMinutes: longestCycleMinutes))
        case .export: .export(try self.export(body))
        }
    }

    package static func enroll(_ body: Data) throws(APIBodyError) -> EnrollRequest { try self.decode(EnrollRequest.self, body) }
    package static func confirm(_ body: Data) throws(APIBodyError) -> ConfirmRequest { try self.decode(ConfirmRequest.self, body) }
    package static func verify(_ body: Data) throws(APIBodyError) -> VerifyRequest { try self.decode(VerifyRequest.self, body) }
    package static func export(_ body: Data) throws(APIBodyError) -> ExportRequest { try self.decode(ExportRequest.self, body) }

    /// `challenge` also takes an empty body.
    package static func challenge(_ body: Data) throws(APIBodyError) -> ChallengeRequest {
        body.isEmpty ? ChallengeRequest(emergency: nil) : try self.decode(ChallengeRequest.self, body)
    }

    /// `settings`: the chosen cycle in seconds (nil: the guard's default), checked before it is multiplied.
    package static func settings(_ body: Data, longestCycleMinutes: Int) throws(APIBodyError) -> Int64? {
        let input = try self.decode(SettingsRequest.self, body)
        guard let minutes = input.cycleMinutes else { return nil }
        return try self.cycleSeconds(minutes: minutes, longestCycleMinutes: longestCycleMinutes)
    }

    /// `minutes` × 60 when it lies between the shortest cycle and `longestCycleMinutes`; the one range check the
    /// API and the settings page share. The multiplication cannot overflow: `minutes` is at most the guard's cycle,
    /// which the configuration bounds (`ConfigDuration`).
    package static func cycleSeconds(minutes: Int, longestCycleMinutes: Int) throws(APIBodyError) -> Int64 {
        guard minutes >= self.shortestCycleMinutes, minutes <= longestCycleMinutes else {
            throw APIBodyError(
                code: "invalid_cycle", field: SettingsRequest.CodingKeys.cycleMinutes.rawValue,
                korean: "'cycle_minutes'(인증 주기)는 \(self.shortestCycleMinutes)분 이상 \(longestCycleMinutes)분 이하로 정해 주세요.",
                english: "The field 'cycle_minutes' must be between \(self.shortestCycleMinutes) and \(longestCycleMinutes) minutes.")
        }
        return Int64(minutes) * 60
    }

    /// A JSON object as `T`, or an error naming the field that is missing, mistyped, or a number out of range.
    package static func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws(APIBodyError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw self.describe(error)
        }
    }

    static func describe(_ error: any Error) -> APIBodyError {
        let suffix = (ko: " docs/API.md를 확인해 주세요.", en: " See docs/API.md.")
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        let whole = APIBodyError(field: nil, korean: "요청 본문은 JSON 객체여야 합니다." + suffix.ko,
                                 english: "The request body must be a JSON object." + suffix.en)
        switch error as? DecodingError {
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return whole
        case .valueNotFound(_, let context) where context.codingPath.isEmpty:
            return whole
        case .keyNotFound(let key, _):
            return APIBodyError(field: key.stringValue, korean: "필수 필드가 없습니다: '\(key.stringValue)'." + suffix.ko,
                                english: "The required field '\(key.stringValue)' is missing." + suffix.en)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context)
            return APIBodyError(field: field, korean: "필드 형식이 맞지 않습니다: '\(field)'." + suffix.ko,
                                english: "The field '\(field)' has the wrong type." + suffix.en)
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            // A number that is not a whole number, or does not fit (`1.5`, `1e308`, a 20-digit number).
            let field = path(context)
            return APIBodyError(field: field, korean: "필드 값이 허용 범위를 벗어났습니다: '\(field)'." + suffix.ko,
                                english: "The field '\(field)' is out of range or not a whole number." + suffix.en)
        default:
            return APIBodyError(field: nil, korean: "요청 본문이 올바른 JSON이 아닙니다." + suffix.ko,
                                english: "The request body is not valid JSON." + suffix.en)
        }
    }
}
