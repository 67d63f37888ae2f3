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
