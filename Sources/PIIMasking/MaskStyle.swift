import Foundation

/// The Korean display-masking convention: what of a detected value stays visible.
///
/// One standard everywhere matters as much as the standard: if two screens masked the same value differently, the
/// pieces would combine back into the whole (ISMS-P 3.2.3). So every response path (HTML, JSON, CSV, chat) calls
/// these functions with the value a detector found. Masks keep the value's length and its separators, so tables
/// keep their layout and rows stay tellable apart — except an IPv4 octet, always shown as `***`.
public struct MaskStyle: Sendable, Equatable {
    public var maskCharacter: Character {
        didSet { self.maskByte = Self.byte(of: self.maskCharacter) }
    }
    /// The mask character as one byte when it is ASCII (the byte path's condition), worked out once: every masked
    /// value asks.
    private(set) var maskByte: UInt8?

    public init(maskCharacter: Character = "*") {
        self.maskCharacter = maskCharacter
        self.maskByte = Self.byte(of: maskCharacter)
    }

    /// Two-syllable surnames (복성): a four-syllable name starting with one keeps both syllables.
    public static let twoSyllableSurnames: Set<String> = ["남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"]

    public func mask(_ value: String, as kind: PIIKind) -> String {
        switch kind {
        case .name: self.name(value)
        case .phone: self.phone(value)
        case .address: self.address(value)
        case .email: self.email(value)
        case .residentNumber: self.keepingDigits(value) { index, _ in index < 7 }
        case .cardNumber: self.keepingDigits(value) { index, count in index < 6 || index >= count - 4 }
        case .bankAccount: self.keepingDigits(value) { index, count in index >= count - 4 }
        case .ipAddress: self.ipAddress(value)
        case .birthDate: self.keepingDigits(value) { index, _ in index < 4 }
        }
    }

    /// 홍길 → 홍*, 홍길동 → 홍*동, 남궁민수 → 남궁*수, 김수한무 → 김**무.
    func name(_ value: String) -> String {
        let characters = Array(value)
        switch characters.count {
        case 0, 1: return value
        case 2: return String(characters[0]) + String(self.maskCharacter)
        case 3: return String(characters[0]) + String(self.maskCharacter) + String(characters[2])
        default:
            let surnameLength = Self.twoSyllableSurnames.contains(String(characters[0..<2])) ? 2 : 1
            let hidden = characters.count - surnameLength - 1
            return String(characters[0..<surnameLength]) + String(repeating: self.maskCharacter, count: hidden)
                + String(characters[characters.count - 1])
        }
    }

    /// The middle block of a phone number, keeping separators and spacing: 010-****-5678, 010****5678,
    /// +82 10 **** 5678, 02-***-4567. Business numbers (15xx, 16xx, 18xx) and 080 are not personal and stay.
    func phone(_ value: String) -> String {
        let digits = value.filter(\.isNumber)
        if digits.hasPrefix("080") || (digits.count == 8 && ["15", "16", "18"].contains(String(digits.prefix(2)))) {
            return value
        }
        // Digit groups as written.
        var groups: [Range<Int>] = []
        let characters = Array(value)
        var start: Int? = nil
        for (index, character) in characters.enumerated() {
            if character.isNumber {
                if start == nil { start = index }
            } else if let open = start {
                groups.append(open..<index)
                start = nil
            }
        }
        if let open = start { groups.append(open..<characters.count) }
        var hide: Range<Int>
        if groups.count >= 3 {
            hide = groups[groups.count - 2]
        } else {
            // Written without separators (or in two pieces): the area/mobile prefix, then the middle, then 4 digits.
            let digitPositions = characters.indices.filter { characters[$0].isNumber }
            var national = digits
            var offset = 0
            if value.trimmingCharacters(in: .whitespaces).hasPrefix("+82") || digits.hasPrefix("82") && digits.count >= 11 {
                national = "0" + digits.dropFirst(2)
                offset = 1  // "82" stands where "0" would: one digit more before the prefix ends
            }
            let prefixLength: Int
            if national.hasPrefix("02") { prefixLength = 2 }
            else if national.hasPrefix("050") { prefixLength = 4 }
            else { prefixLength = 3 }
            let firstHidden = prefixLength + offset
            let lastHidden = digitPositions.count - 4
            guard firstHidden < lastHidden else { return value }
            hide = digitPositions[firstHidden]..<(digitPositions[lastHidden - 1] + 1)
        }
        var output = characters
        for index in hide where output[index].isNumber { output[index] = self.maskCharacter }
        return String(output)
    }

    /// Road-name addresses keep 시/도, 시/군/구, 읍/면 and the road (with a branch written apart: `중앙로 1275번길`);
    /// lot-number addresses keep up to 동/리 (`역삼1동` included). Everything after is hidden, character by character,
    /// keeping spaces and `-,()`. With neither road nor 동/리, only the leading region names the gazetteer knows stay;
    /// a detail-only value (`101동 1203호`, `강남파이낸스센터 10층`) is hidden whole.
    func address(_ value: String) -> String {
        // Substrings and Unicode scalars throughout: this runs for every address on a page (measured: it was the
        // largest single cost of masking a dense order list when it built Strings per token).
        let tokens = value.split(separator: " ", omittingEmptySubsequences: false)
        var keepCount = 0
        for (index, token) in tokens.enumerated() {
            let word = Self.trimmed(token)
            if Self.isRoadName(word) {
                keepCount = index + 1
                if index + 1 < tokens.count, Self.isRoadBranch(Self.trimmed(tokens[index + 1])) { keepCount = index + 2 }
                break
            }
            if Self.isNeighbourhood(word) { keepCount = index + 1 }
            if let first = word.unicodeScalars.first, first.value >= 0x30 && first.value <= 0x39 { break }
        }
        if keepCount == 0 {
            while keepCount < tokens.count, !Gazetteer.lookup(String(Self.trimmed(tokens[keepCount]))).isEmpty { keepCount += 1 }
        }
        var output = ""
        output.reserveCapacity(value.utf8.count)
        let mask = self.maskCharacter
        for (index, token) in tokens.enumerated() {
            if index > 0 { output.unicodeScalars.append(" ") }
            if index < keepCount {
                output.append(contentsOf: token)
            } else {
                for character in token {
                    if character == "-" || character == "," || character == "(" || character == ")" || character == " " {
                        output.append(character)
                    } else {
                        output.append(mask)
                    }
                }
            }
        }
        return output
    }

    /// The token without leading and trailing punctuation, as a view (no copy).
    static func trimmed(_ token: Substring) -> Substring {
        var word = token
        while let first = word.unicodeScalars.first, Self.isPunctuation(first) { word = word.dropFirst() }
        while let last = word.unicodeScalars.last, Self.isPunctuation(last) { word = word.dropLast() }
        return word
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 0x21 && value <= 0x2F && value != 0x24 && value != 0x2B) || (value >= 0x3A && value <= 0x40
                && value != 0x3C && value != 0x3D && value != 0x3E) || (value >= 0x5B && value <= 0x60 && value != 0x5E
                && value != 0x60) || value == 0x7B || value == 0x7D
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isHangulSyllable(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0xAC00 && scalar.value <= 0xD7A3 }

    /// `테헤란로`, `도산대로`, `석사로34번길`, `도움3로33길`, `세종로3가길`: a road name ends in 로 or 길.
    static func isRoadName(_ word: Substring) -> Bool {
        let scalars = word.unicodeScalars
        guard let last = scalars.last, last == "로" || last == "길", scalars.count >= 2 else { return false }
        return scalars.contains(where: Self.isHangulSyllable)
    }

    /// `1275번길`, `12길`, `3가길`: a road's branch, when written apart from the road.
    static func isRoadBranch(_ word: Substring) -> Bool {
        let scalars = word.unicodeScalars
        guard let first = scalars.first, first.value >= 0x30 && first.value <= 0x39, scalars.last == "길" else { return false }
        let rest = String(String.UnicodeScalarView(scalars.drop { $0.value >= 0x30 && $0.value <= 0x39 }))
        return rest == "길" || rest == "번길" || rest == "가길"
    }

    /// 동, 리, 가 (법정동/리, also `역삼1동`, `을지로2가`): where a lot-number address keeps its last visible word. A
    /// building's 동 (`101동`) has no Hangul before it and is not one.
    static func isNeighbourhood(_ word: Substring) -> Bool {
        let scalars = word.unicodeScalars
        guard let last = scalars.last, last == "동" || last == "리" || last == "가", scalars.count >= 2 else { return false }
        return scalars.dropLast().contains(where: Self.isHangulSyllable)
    }

    /// minjun.kim@example.com → mi********@example.com (one character kept when the local part is two or shorter).
    func email(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return String(repeating: self.maskCharacter, count: value.count) }
        let local = value[..<at]
        let keep = local.count > 2 ? 2 : max(0, local.count - 1)
        return String(local.prefix(keep)) + String(repeating: self.maskCharacter, count: local.count - keep) + value[at...]
    }

    /// Masks digits by position among the digits (`keep(index, digitCount)`), leaving separators.
    func keepingDigits(_ value: String, keep: (Int, Int) -> Bool) -> String {
        let count = value.filter(\.isNumber).count
        var index = 0
        return String(value.map { character -> Character in
            guard character.isNumber else { return character }
            defer { index += 1 }
            return keep(index, count) ? character : self.maskCharacter
        })
    }

    /// IPv4: the third octet becomes `***`. IPv6: the last 16 bits (the final group).
    func ipAddress(_ value: String) -> String {
        if value.contains(":") {
            guard let colon = value.lastIndex(of: ":") else { return value }
            let last = value[value.index(after: colon)...]
            // An IPv4 tail (::ffff:192.0.2.1) is an IPv4 address: hide its third octet, like any other.
            if last.contains(".") { return String(value[...colon]) + self.ipAddress(String(last)) }
            return last.isEmpty ? value : String(value[...colon]) + String(repeating: self.maskCharacter, count: 4)
        }
        var octets = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard octets.count == 4 else { return value }
        octets[2] = String(repeating: self.maskCharacter, count: 3)
        return octets.joined(separator: ".")
    }
}
