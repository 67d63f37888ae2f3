import Foundation
import Testing

@testable import SecondFactor

@Suite("Registration contacts")
struct ContactsTests {
    @Test(arguments: [
        ("010-1234-5678", "+821012345678", "010-1234-5678"),
        ("01012345678", "+821012345678", "010-1234-5678"),
        ("010 1234 5678", "+821012345678", "010-1234-5678"),
        ("+82 10-1234-5678", "+821012345678", "010-1234-5678"),
        ("+82 010 1234 5678", "+821012345678", "010-1234-5678"),
        ("0082-10-1234-5678", "+821012345678", "010-1234-5678"),
        ("011-234-5678", "+82112345678", "011-234-5678"),
        ("+1 (415) 555-0100", "+14155550100", "+14155550100"),
        ("+44 7911 123456", "+447911123456", "+447911123456"),
    ])
    func phoneNumbersAreNormalised(input: String, e164: String, display: String) throws {
        let phone = try PhoneNumber(parsing: input)
        #expect(phone.e164 == e164)
        #expect(phone.display == display)
    }

    @Test(arguments: ["", "010-1234-567", "010-1234-56789", "1012345678", "+82 10 1234", "phone", "+1 415 555 0100 00000",
                      "010-1234-5678; DROP", "++821012345678"])
    func badPhoneNumbersAreRefused(input: String) {
        #expect(throws: RegistrationError.self) { try PhoneNumber(parsing: input) }
    }

    @Test func landlinesCannotReceiveCodes() {
        let error = #expect(throws: RegistrationError.self) { try PhoneNumber(parsing: "02-123-4567") }
        #expect(error?.code == .phoneNotMobile)
        #expect(error?.korean.contains("휴대전화") == true)
    }

    @Test func emergencyEmailMustBeValidAndDifferFromTheAccountEmail() throws {
        let email = try EmailAddress(parsing: " Kim.Seoyeon@Example.CO.KR ")
        #expect(email.address == "Kim.Seoyeon@example.co.kr")
        try email.ensureDiffers(fromAccountEmail: "seller-a@demo-shop.example")
        let same = #expect(throws: RegistrationError.self) {
            try email.ensureDiffers(fromAccountEmail: "kim.seoyeon@example.co.kr")
        }
        #expect(same?.code == .emailSameAsAccount)
        for bad in ["", "name", "name@", "@example.com", "name@example", "na me@example.com", "name@exa..mple.com",
                    "name@-example.com", "\"name\"@example.com", "name@example.com."] {
            #expect(throws: RegistrationError.self, "\(bad)") { try EmailAddress(parsing: bad) }
        }
    }
}

@Suite("Gateway template")
struct GatewayTemplateTests {
    @Test func valuesAreFilledInAndEscaped() throws {
        let template = try GatewayTemplate(#"{"to": "{phone}", "text": "[판매자센터] 인증번호 {code} ({minutes}분 유효)", "ttl": {minutes}}"#)
        let body = template.render(phone: "+821012345678", code: "012345", minutes: 3)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["to"] as? String == "+821012345678")
        #expect(json["text"] as? String == "[판매자센터] 인증번호 012345 (3분 유효)")
        #expect(json["ttl"] as? Int == 3)
        let hostile = template.render(phone: "\"}, \"admin\": true, \"x\": \"", code: "1", minutes: 3)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(hostile.utf8)) as? [String: Any])
        #expect(parsed["admin"] == nil)
    }

    @Test func brokenTemplatesAreRefusedAtLoad() {
        let unknown = #expect(throws: GatewayTemplateError.self) { try GatewayTemplate(#"{"to": "{phone}", "x": "{name}"}"#) }
        #expect(unknown?.description.contains("{name}") == true)
        let notJSON = #expect(throws: GatewayTemplateError.self) { try GatewayTemplate(#"{"to": {phone}}"#) }
        #expect(notJSON?.description.contains("not valid JSON") == true)
    }
}
