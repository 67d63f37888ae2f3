import Testing

@testable import PIIMasking

/// Every example of ../shared/MASKING.md's table, plus the variants people write.
@Suite("Display masking convention")
struct MaskStyleTests {
    let style = MaskStyle()

    @Test(arguments: [
        (PIIKind.name, "홍길", "홍*"),
        (.name, "홍길동", "홍*동"),
        (.name, "남궁민수", "남궁*수"),
        (.name, "김수한무", "김**무"),
        (.name, "황보영", "황*영"),
        (.phone, "010-1234-5678", "010-****-5678"),
        (.phone, "01012345678", "010****5678"),
        (.phone, "+82 10 1234 5678", "+82 10 **** 5678"),
        (.phone, "+821012345678", "+8210****5678"),
        (.phone, "02-123-4567", "02-***-4567"),
        (.phone, "0212345678", "02****5678"),
        (.phone, "031-123-4567", "031-***-4567"),
        (.phone, "070-1234-5678", "070-****-5678"),
        (.phone, "0505-123-4567", "0505-***-4567"),
        (.phone, "050512345678", "0505****5678"),
        (.phone, "011-234-5678", "011-***-5678"),
        (.phone, "1588-1234", "1588-1234"),
        (.phone, "080-123-4567", "080-123-4567"),
        (.address, "서울특별시 강남구 테헤란로 152 강남파이낸스센터 10층", "서울특별시 강남구 테헤란로 *** ******** ***"),
        (.address, "부산광역시 해운대구 우동 1411-1", "부산광역시 해운대구 우동 ****-*"),
        (.address, "강원특별자치도 춘천시 석사로34번길 286 202호", "강원특별자치도 춘천시 석사로34번길 *** ****"),
        (.address, "경기도 양평군 양평읍 중앙로 12, 3층 (양근리)", "경기도 양평군 양평읍 중앙로 **, ** (***)"),
        (.address, "충청북도 청주시 상당구 용암동 123-4", "충청북도 청주시 상당구 용암동 ***-*"),
        (.email, "minjun.kim@example.com", "mi********@example.com"),
        (.email, "ab@example.com", "a*@example.com"),
        (.residentNumber, "900101-1234567", "900101-1******"),
        (.residentNumber, "9001015234567", "9001015******"),
        (.cardNumber, "4123-4567-8901-2345", "4123-45**-****-2345"),
        (.cardNumber, "4123456789012345", "412345******2345"),
        (.bankAccount, "110-123-456789", "***-***-**6789"),
        (.ipAddress, "123.123.45.123", "123.123.***.123"),
        (.ipAddress, "2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:****"),
        (.birthDate, "1990-07-14", "1990-**-**"),
        (.birthDate, "19900714", "1990****"),
    ])
    func masksAsTheConventionSays(kind: PIIKind, input: String, expected: String) {
        #expect(self.style.mask(input, as: kind) == expected)
    }

    @Test func lengthAndSeparatorsAreKept() {
        for (kind, value) in [(PIIKind.phone, "010-9876-5432"), (.cardNumber, "5412 7512 3412 3456"),
                              (.bankAccount, "3333-01-1234567"), (.residentNumber, "010203-4123456"),
                              (.address, "서울특별시 마포구 월드컵북로 396 (상암동)")] {
            let masked = self.style.mask(value, as: kind)
            #expect(masked.count == value.count, "\(kind)")
            #expect(masked.filter { " -()".contains($0) } == value.filter { " -()".contains($0) }, "\(kind)")
            #expect(masked != value, "\(kind)")
        }
    }

    @Test func theMaskCharacterIsConfigurable() {
        #expect(MaskStyle(maskCharacter: "●").mask("010-1234-5678", as: .phone) == "010-●●●●-5678")
    }
}
