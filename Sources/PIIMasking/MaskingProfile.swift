/// How one menu's responses are masked: which kinds, how each is shown, which labels name which kind, extra
/// detectors, and values never masked.
///
/// A value type built from `rules/masking.yaml` (one profile per name; `rules/menus.yaml` picks one per menu). The
/// defaults are MASKING.md's: every kind on, the standard style, the context words below.
public struct MaskingProfile: Sendable, Equatable {
    /// How a detected value of a kind is shown.
    public enum Style: String, Sendable, Equatable, CaseIterable {
        /// MASKING.md's convention (홍*동, 010-****-5678, …).
        case standard
        /// Every character but separators hidden.
        case full
    }

    public var name: String
    public var kinds: Set<PIIKind>
    public var styles: [PIIKind: Style]
    /// Label words → kind, compared after `ContextWords.normalize` (case, `_`, `-`, spaces and digits ignored).
    public var contextWords: [String: PIIKind]
    public var customDetectors: [CustomDetector]
    /// Values never masked (the shop's own phone, its return address), compared after `AllowList.normalize`.
    public var allowList: Set<String>
    public var maskCharacter: Character

    public init(name: String = "default", kinds: Set<PIIKind> = Set(PIIKind.allCases), styles: [PIIKind: Style] = [:],
                contextWords: [String: PIIKind] = ContextWords.defaults, customDetectors: [CustomDetector] = [],
                allowList: Set<String> = [], maskCharacter: Character = "*") {
        self.name = name
        self.kinds = kinds
        self.styles = styles
        self.contextWords = contextWords
        self.customDetectors = customDetectors
        self.allowList = Set(allowList.map(AllowList.normalize))
        self.maskCharacter = maskCharacter
    }

    public func style(for kind: PIIKind) -> Style { self.styles[kind] ?? .standard }
}

/// Field labels that name a kind of personal data, in Korean admin screens and in their APIs.
public enum ContextWords {
    public static let defaults: [String: PIIKind] = {
        var words: [String: PIIKind] = [:]
        for word in ["이름", "성명", "구매자", "구매자명", "주문자", "주문자명", "수취인", "수취인명", "수령인", "수령인명", "받는분",
                     "받는사람", "보내는분", "고객명", "회원명", "예금주", "대표자", "대표자명", "담당자", "담당자명", "신청자", "작성자", "name", "buyername", "buyer", "receiver",
                     "receivername", "recipient", "recipientname", "ordername", "orderername", "customername",
                     "membername", "username", "fullname", "holder", "accountholder", "depositor", "sender", "sendername",
                     "representative", "ceoname", "ownername", "contactname", "managername"] {
            words[word] = .name
        }
        for word in ["연락처", "전화", "전화번호", "휴대폰", "휴대전화", "핸드폰", "휴대폰번호", "구매자연락처", "수취인연락처",
                     "phone", "phonenumber", "tel", "telephone", "mobile", "mobilephone", "cellphone", "contact",
                     "buyerphone", "receiverphone", "receivertel", "ordererphone", "hp"] {
            words[word] = .phone
        }
        for word in ["주소", "배송지", "배송지주소", "수취인주소", "받는주소", "도로명주소", "지번주소", "상세주소", "address",
                     "addr", "shippingaddress", "deliveryaddress", "receiveraddress", "baseaddress", "detailaddress",
                     "address1", "address2", "street"] {
            words[word] = .address
        }
        for word in ["이메일", "메일", "이메일주소", "메일주소", "전자우편", "email", "mail", "emailaddress", "buyeremail"] {
            words[word] = .email
        }
        for word in ["주민등록번호", "주민번호", "외국인등록번호", "rrn", "residentnumber", "residentregistrationnumber"] {
            words[word] = .residentNumber
        }
        for word in ["카드번호", "card", "cardnumber", "cardno", "pan"] { words[word] = .cardNumber }
        for word in ["계좌", "계좌번호", "환불계좌", "입금계좌", "bankaccount", "accountnumber", "accountno", "refundaccount"] {
            words[word] = .bankAccount
        }
        for word in ["생년월일", "생일", "birth", "birthday", "birthdate", "dateofbirth", "dob"] { words[word] = .birthDate }
        for word in ["ip", "ip주소", "접속ip", "ipaddress", "clientip", "remoteaddr"] { words[word] = .ipAddress }
        return words
    }()

    /// `buyer_name`, `buyerName`, `Buyer Name`, `address1`, `수취인 연락처` → `buyername`, `buyername`, `buyername`,
    /// `address`, `수취인연락처`; a dotted or bracketed path keeps its last part (`receiver.phone` → `phone`).
    public static func normalize(_ label: String) -> String {
        var last = Substring(label)
        if let separator = label.lastIndex(where: { $0 == "." || $0 == "[" || $0 == "/" }) {
            let tail = label[label.index(after: separator)...]
            if tail.contains(where: { $0.isLetter }) { last = tail }
        }
        var text = String(last.unicodeScalars.filter { !"_- \t:()[]\"'.*".unicodeScalars.contains($0) })
        text = text.lowercased()
        while let end = text.last, end.isASCII, end.isNumber { text.removeLast() }
        return text
    }
}

extension ContextWords {
    /// A label's words as written: split at `_`, `-`, `.`, spaces and lower→upper case changes, lower-cased, digits
    /// dropped (`receiverPhoneNumber1` → receiver, phone, number).
    public static func tokens(_ label: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var previousLower = false
        for character in label {
            if character == "_" || character == "-" || character == "." || character == " " || character == "[" || character == "]" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                previousLower = false
                continue
            }
            if character.isUppercase, previousLower, !current.isEmpty {
                tokens.append(current)
                current = ""
            }
            previousLower = character.isLowercase || character.isNumber
            if !character.isNumber { current += character.lowercased() }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}

/// Values a profile never masks, compared without separators and case.
public enum AllowList {
    public static func normalize(_ value: String) -> String {
        String(value.lowercased().unicodeScalars.filter { !" -.()/".unicodeScalars.contains($0) })
    }
}
