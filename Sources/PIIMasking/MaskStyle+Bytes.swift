/// The display-masking convention on UTF-8 bytes: the hot path of every scanner.
///
/// `MaskStyle.mask(_:as:)` works on `Character`s, which is exact for any text but builds a `String` (and often an
/// `Array<Character>`) per value; profiling a dense order list put it at a quarter of the masking time. Almost every
/// value a detector reports is ASCII and precomposed Hangul syllables, where one Unicode scalar is one `Character`.
/// For those values (and an ASCII mask character) these functions give byte-for-byte the result of the `Character`
/// path without allocating; for anything else (combining marks, jamo, emoji, CR that could pair with LF, a
/// non-ASCII mask character) they decline and the caller uses the `Character` path. `MaskStyleBytesTests` checks
/// both paths agree on the corpus values and on random text.
extension MaskStyle {
    /// Appends the standard masked form of `value` to `output`; false (and `output` untouched) when `value` or the
    /// mask character is outside the fast path.
    func appendMasked(_ value: UnsafeBufferPointer<UInt8>, as kind: PIIKind, into output: inout ByteOutput) -> Bool {
        guard let mask = self.maskByte else { return false }
        switch kind {
        case .name:
            if HangulNameMask.appendMasked(value, mask: mask, into: &output) { return true }
        case .address:
            if HangulAddressMask.appendMasked(value, mask: mask, into: &output) { return true }
        case .ipAddress:
            if ASCIIMask.maskIPAddress(value, mask: mask, into: &output) { return true }
        default:
            if let done = ASCIIMask.appendMasked(value, as: kind, mask: mask, into: &output) { return done }
        }
        return ScalarText.with(value) { text -> Bool in
            guard let text else { return false }
            switch kind {
            case .name: text.maskName(mask: mask, into: &output)
            case .phone: return text.maskPhone(mask: mask, into: &output)
            case .address: text.maskAddress(mask: mask, into: &output)
            case .email: text.maskEmail(mask: mask, into: &output)
            case .residentNumber: text.keepingDigits(mask: mask, into: &output) { index, _ in index < 7 }
            case .cardNumber: text.keepingDigits(mask: mask, into: &output) { index, count in index < 6 || index >= count - 4 }
            case .bankAccount: text.keepingDigits(mask: mask, into: &output) { index, count in index >= count - 4 }
            case .ipAddress: return text.maskIPAddress(0..<text.count, mask: mask, into: &output)
            case .birthDate: text.keepingDigits(mask: mask, into: &output) { index, _ in index < 4 }
            }
            return true
        }
    }

    /// `appendMasked(_:as:into:)` onto an array (tests).
    func appendMasked(_ value: UnsafeBufferPointer<UInt8>, as kind: PIIKind, into output: inout [UInt8]) -> Bool {
        var masked = ByteOutput(capacity: value.count + 8)
        let done = self.appendMasked(value, as: kind, into: &masked)
        masked.withUnsafeBufferPointer { output.append(contentsOf: $0) }
        return done
    }

    /// Appends the `full` style of `value` (every character but ` -.,()@/:` hidden); false outside the fast path.
    func appendFullyMasked(_ value: UnsafeBufferPointer<UInt8>, into output: inout ByteOutput) -> Bool {
        guard let mask = self.maskByte else { return false }
        return ScalarText.with(value) { text -> Bool in
            guard let text else { return false }
            for index in 0..<text.count {
                switch text.scalars[index] {
                case 0x20, 0x2D, 0x2E, 0x2C, 0x28, 0x29, 0x40, 0x2F, 0x3A: text.append(index, into: &output)
                default: output.append(mask)
                }
            }
            return true
        }
    }

    /// `character` as one byte, when it is ASCII (and not CR, which could pair with an LF).
    static func byte(of character: Character) -> UInt8? {
        let scalars = character.unicodeScalars
        guard scalars.count == 1, let scalar = scalars.first, scalar.isASCII, scalar != "\r" else { return nil }
        return UInt8(scalar.value)
    }
}

/// A value as Unicode scalars, each one `Character` (ASCII other than CR, or a precomposed Hangul syllable), with
/// the byte offset of each in the original: the shape the fast path works on. Lives in scratch memory for one call.
struct ScalarText {
    let bytes: UnsafeBufferPointer<UInt8>
    let scalars: UnsafeMutableBufferPointer<UInt32>
    /// Byte offset of scalar i; `offsets[count]` is the end.
    let offsets: UnsafeMutableBufferPointer<Int32>
    let count: Int

    /// Runs `body` with the scalar view of `bytes`, or with nil when a scalar is outside the fast path.
    static func with<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (ScalarText?) -> R) -> R {
        guard bytes.count < Int(Int32.max) else { return body(nil) }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: bytes.count + 1) { scalars in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: bytes.count + 1) { offsets in
                var count = 0
                var index = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    offsets[count] = Int32(index)
                    if byte < 0x80 {
                        if byte == 0x0D { return body(nil) }  // CR LF is one Character
                        scalars[count] = UInt32(byte)
                        index += 1
                    } else if byte >= 0xEA && byte <= 0xED && index + 2 < bytes.count {
                        let scalar = (UInt32(byte & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6)
                            | UInt32(bytes[index + 2] & 0x3F)
                        guard scalar >= 0xAC00 && scalar <= 0xD7A3 else { return body(nil) }
                        scalars[count] = scalar
                        index += 3
                    } else {
                        return body(nil)
                    }
                    count += 1
                }
                offsets[count] = Int32(bytes.count)
                return body(ScalarText(bytes: bytes, scalars: scalars, offsets: offsets, count: count))
            }
        }
    }

    @inline(__always) func append(_ index: Int, into output: inout ByteOutput) {
        // ASCII (digits, separators: most of what is kept) as one byte; a syllable as its three bytes.
        let scalar = self.scalars[index]
        if scalar < 0x80 {
            output.append(UInt8(truncatingIfNeeded: scalar))
            return
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[Int(self.offsets[index])..<Int(self.offsets[index + 1])]))
    }

    @inline(__always) func append(_ range: Range<Int>, into output: inout ByteOutput) {
        guard !range.isEmpty else { return }
        output.append(contentsOf: UnsafeBufferPointer(
            rebasing: self.bytes[Int(self.offsets[range.lowerBound])..<Int(self.offsets[range.upperBound])]))
    }

    @inline(__always) static func isDigit(_ scalar: UInt32) -> Bool { scalar >= 0x30 && scalar <= 0x39 }
    @inline(__always) static func isHangul(_ scalar: UInt32) -> Bool { scalar >= 0xAC00 && scalar <= 0xD7A3 }

    // MARK: kinds (each mirrors the `Character` function of the same name in MaskStyle.swift)

    func maskName(mask: UInt8, into output: inout ByteOutput) {
        switch self.count {
        case 0, 1: self.append(0..<self.count, into: &output)
        case 2:
            self.append(0, into: &output)
            output.append(mask)
        case 3:
            self.append(0, into: &output)
            output.append(mask)
            self.append(2, into: &output)
        default:
            let surnameLength = self.startsWithTwoSyllableSurname ? 2 : 1
            self.append(0..<surnameLength, into: &output)
            for _ in 0..<(self.count - surnameLength - 1) { output.append(mask) }
            self.append(self.count - 1, into: &output)
        }
    }

    var startsWithTwoSyllableSurname: Bool {
        let pair = (self.scalars[0], self.scalars[1])
        return Self.twoSyllableSurnames.contains { $0 == pair }
    }

    static let twoSyllableSurnames: [(UInt32, UInt32)] = MaskStyle.twoSyllableSurnames.map { surname in
        let scalars = Array(surname.unicodeScalars)
        return (scalars[0].value, scalars[1].value)
    }

    func maskPhone(mask: UInt8, into output: inout ByteOutput) -> Bool {
        // Phones are ASCII; anything else (full-width digits…) takes the Character path.
        guard self.count == self.bytes.count else { return false }
        return Self.maskPhone(ascii: self.bytes, mask: mask, into: &output)
    }

    /// `maskPhone` for an ASCII value (scalar i is byte i).
    static func maskPhone(ascii bytes: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        ASCIIMask.maskPhone(bytes, mask: mask, into: &output)
    }

    func maskAddress(mask: UInt8, into output: inout ByteOutput) {
        // Tokens (in scratch memory: one per space, plus one) split at single spaces, as
        // `split(separator: " ", omittingEmptySubsequences: false)`.
        withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: self.count + 1) { storage in
            var tokenCount = 0
            var start = 0
            for index in 0..<self.count where self.scalars[index] == 0x20 {
                storage.initializeElement(at: tokenCount, to: start..<index)
                tokenCount += 1
                start = index + 1
            }
            storage.initializeElement(at: tokenCount, to: start..<self.count)
            tokenCount += 1
            self.maskAddress(tokens: UnsafeBufferPointer(rebasing: storage[0..<tokenCount]), mask: mask, into: &output)
        }
    }

    private func maskAddress(tokens: UnsafeBufferPointer<Range<Int>>, mask: UInt8, into output: inout ByteOutput) {
        var keepCount = 0
        for (index, token) in tokens.enumerated() {
            let word = self.trimmed(token)
            if self.isRoadName(word) {
                keepCount = index + 1
                if index + 1 < tokens.count, self.isRoadBranch(self.trimmed(tokens[index + 1])) { keepCount = index + 2 }
                break
            }
            if self.isNeighbourhood(word) { keepCount = index + 1 }
            if !word.isEmpty && Self.isDigit(self.scalars[word.lowerBound]) { break }
        }
        if keepCount == 0 {
            while keepCount < tokens.count {
                let word = self.trimmed(tokens[keepCount])
                let name = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[Int(self.offsets[word.lowerBound])..<Int(self.offsets[word.upperBound])]), as: UTF8.self)
                guard !Gazetteer.lookup(name).isEmpty else { break }
                keepCount += 1
            }
        }
        for (index, token) in tokens.enumerated() {
            if index > 0 { output.append(0x20) }
            if index < keepCount {
                self.append(token, into: &output)
            } else {
                for position in token {
                    switch self.scalars[position] {
                    case 0x2D, 0x2C, 0x28, 0x29, 0x20: output.append(UInt8(self.scalars[position]))
                    default: output.append(mask)
                    }
                }
            }
        }
    }

    /// The token without leading and trailing ASCII punctuation (Hangul syllables are never punctuation).
    func trimmed(_ token: Range<Int>) -> Range<Int> {
        var lower = token.lowerBound
        var upper = token.upperBound
        while lower < upper && Self.isPunctuation(self.scalars[lower]) { lower += 1 }
        while upper > lower && Self.isPunctuation(self.scalars[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// `MaskStyle.isPunctuation` for the scalars of the fast path.
    static func isPunctuation(_ value: UInt32) -> Bool {
        guard value < 0x80 else { return false }
        return (value >= 0x21 && value <= 0x2F && value != 0x24 && value != 0x2B) || (value >= 0x3A && value <= 0x40
            && value != 0x3C && value != 0x3D && value != 0x3E) || (value >= 0x5B && value <= 0x60 && value != 0x5E
            && value != 0x60) || value == 0x7B || value == 0x7D
    }

    static let ro: UInt32 = 0xB85C, gil: UInt32 = 0xAE38, dong: UInt32 = 0xB3D9, ri: UInt32 = 0xB9AC, ga: UInt32 = 0xAC00
    static let beon: UInt32 = 0xBC88

    func isRoadName(_ word: Range<Int>) -> Bool {
        guard word.count >= 2, self.scalars[word.upperBound - 1] == Self.ro || self.scalars[word.upperBound - 1] == Self.gil
        else { return false }
        return word.contains { Self.isHangul(self.scalars[$0]) }
    }

    func isRoadBranch(_ word: Range<Int>) -> Bool {
        guard !word.isEmpty, Self.isDigit(self.scalars[word.lowerBound]), self.scalars[word.upperBound - 1] == Self.gil
        else { return false }
        var rest = word.lowerBound
        while rest < word.upperBound && Self.isDigit(self.scalars[rest]) { rest += 1 }
        switch word.upperBound - rest {
        case 1: return true  // 길
        case 2: return self.scalars[rest] == Self.beon || self.scalars[rest] == Self.ga
        default: return false
        }
    }

    func isNeighbourhood(_ word: Range<Int>) -> Bool {
        guard word.count >= 2 else { return false }
        let last = self.scalars[word.upperBound - 1]
        guard last == Self.dong || last == Self.ri || last == Self.ga else { return false }
        return (word.lowerBound..<(word.upperBound - 1)).contains { Self.isHangul(self.scalars[$0]) }
    }

    func maskEmail(mask: UInt8, into output: inout ByteOutput) {
        guard let at = (0..<self.count).last(where: { self.scalars[$0] == 0x40 }) else {
            for _ in 0..<self.count { output.append(mask) }
            return
        }
        let keep = at > 2 ? 2 : max(0, at - 1)
        self.append(0..<keep, into: &output)
        for _ in keep..<at { output.append(mask) }
        self.append(at..<self.count, into: &output)
    }

    func keepingDigits(mask: UInt8, into output: inout ByteOutput, keep: (Int, Int) -> Bool) {
        var count = 0
        for index in 0..<self.count where Self.isDigit(self.scalars[index]) { count += 1 }
        var digit = 0
        for index in 0..<self.count {
            if Self.isDigit(self.scalars[index]) {
                if keep(digit, count) { self.append(index, into: &output) } else { output.append(mask) }
                digit += 1
            } else {
                self.append(index, into: &output)
            }
        }
    }

    /// IPv4: the third octet becomes three mask characters; IPv6: the final group four. ASCII only.
    func maskIPAddress(_ range: Range<Int>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        guard self.count == self.bytes.count else { return false }
        if range.contains(where: { self.scalars[$0] == 0x3A }) {
            let colon = range.last { self.scalars[$0] == 0x3A }!
            let last = (colon + 1)..<range.upperBound
            if last.contains(where: { self.scalars[$0] == 0x2E }) {
                self.append(range.lowerBound..<(colon + 1), into: &output)
                return self.maskIPAddress(last, mask: mask, into: &output)
            }
            self.append(range.lowerBound..<(colon + 1), into: &output)
            if !last.isEmpty { output.append(contentsOf: [mask, mask, mask, mask]) }
            return true
        }
        let dots = range.filter { self.scalars[$0] == 0x2E }
        guard dots.count == 3 else {
            self.append(range, into: &output)
            return true
        }
        self.append(range.lowerBound..<(dots[1] + 1), into: &output)
        output.append(contentsOf: [mask, mask, mask])
        self.append(dots[2]..<range.upperBound, into: &output)
        return true
    }
}

/// The number kinds and e-mail addresses on plain ASCII values (no CR), straight on the bytes: one scalar is one byte
/// there, so `ScalarText` (a scalar and an offset per character in scratch memory) would compute the same thing more
/// slowly. Same results as `ScalarText`'s functions of the same names, which they mirror.
enum ASCIIMask {
    /// Appends the masked value and returns true; nil when the value or the kind is not for this path.
    @inline(__always)
    static func appendMasked(_ value: UnsafeBufferPointer<UInt8>, as kind: PIIKind, mask: UInt8,
                             into output: inout ByteOutput) -> Bool? {
        switch kind {
        case .name, .address, .ipAddress: return nil
        default: break
        }
        if kind == .phone {
            // Checks its bytes in its own first pass.
            return Self.maskPhone(value, mask: mask, into: &output) ? true : nil
        }
        for byte in value where byte >= 0x80 || byte == 0x0D { return nil }
        switch kind {
        case .phone: return self.maskPhone(value, mask: mask, into: &output)
        case .email: self.maskEmail(value, mask: mask, into: &output)
        case .residentNumber: self.keepingDigits(value, mask: mask, into: &output) { index, _ in index < 7 }
        case .cardNumber: self.keepingDigits(value, mask: mask, into: &output) { index, count in index < 6 || index >= count - 4 }
        case .bankAccount: self.keepingDigits(value, mask: mask, into: &output) { index, count in index >= count - 4 }
        case .birthDate: self.keepingDigits(value, mask: mask, into: &output) { index, _ in index < 4 }
        case .name, .address, .ipAddress: return nil
        }
        return true
    }

    /// `ScalarText.maskPhone` on ASCII bytes; false (`output` untouched) when a byte is not ASCII or is CR. Two
    /// passes: the digit groups and the first four digits (all the rules look at), then the output, written straight
    /// into its room with the hidden digits masked. For a number written without three groups, where its hidden
    /// digits start and end is found on the way (by digit count). No scratch memory.
    static func maskPhone(_ bytes: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        guard let base = bytes.baseAddress else {
            return true  // nothing to mask, nothing to write
        }
        let count = bytes.count
        var digitCount = 0
        var leading: UInt32 = 0  // the first four digits, one per byte, the first lowest
        var groupCount = 0
        // The last digit group and the one before it, as start and end offsets.
        var lastStart = 0
        var lastEnd = 0
        var beforeStart = 0
        var beforeEnd = 0
        var index = 0
        while index < count {
            let byte = base[index]
            guard byte &- 0x30 < 10 else {
                if byte >= 0x80 || byte == 0x0D { return false }
                index &+= 1
                continue
            }
            let groupStart = index
            repeat {
                if digitCount < 4 { leading |= UInt32(base[index]) << UInt32(truncatingIfNeeded: digitCount &* 8) }
                digitCount &+= 1
                index &+= 1
            } while index < count && base[index] &- 0x30 < 10
            beforeStart = lastStart
            beforeEnd = lastEnd
            lastStart = groupStart
            lastEnd = index
            groupCount &+= 1
        }
        /// Digit `n` (0…3) of the number.
        @inline(__always) func digit(_ n: Int) -> UInt8 { UInt8(truncatingIfNeeded: leading >> UInt32(n * 8)) }
        // Business numbers 15xx/16xx/18xx (eight digits) and 080 are not personal.
        if (digitCount >= 3 && digit(0) == 0x30 && digit(1) == 0x38 && digit(2) == 0x30)
            || (digitCount == 8 && digit(0) == 0x31 && (digit(1) == 0x35 || digit(1) == 0x36 || digit(1) == 0x38))
        {
            output.append(contentsOf: bytes)
            return true
        }
        // What is hidden: a range of bytes (groupCount >= 3), or the digits from digit `firstHidden` to digit
        // `lastHidden - 1` by their count.
        var hideStart = 0
        var hideEnd = 0
        var firstHidden = 0
        var lastHidden = 0
        if groupCount >= 3 {
            hideStart = beforeStart
            hideEnd = beforeEnd
        } else {
            var first = 0
            while first < count && (base[first] == 0x20 || base[first] == 0x09) { first += 1 }
            let international = (count - first >= 3 && base[first] == 0x2B && base[first + 1] == 0x38
                && base[first + 2] == 0x32) || (digitCount >= 11 && digit(0) == 0x38 && digit(1) == 0x32)
            // The national number: "0" then the digits after "82" when international, else the digits.
            @inline(__always) func national(_ n: Int) -> UInt8? {
                if international { return n == 0 ? 0x30 : (n + 1 < digitCount ? digit(n + 1) : nil) }
                return n < digitCount ? digit(n) : nil
            }
            let prefixLength: Int
            if national(0) == 0x30 && national(1) == 0x32 { prefixLength = 2 }
            else if national(0) == 0x30 && national(1) == 0x35 && national(2) == 0x30 { prefixLength = 4 }
            else { prefixLength = 3 }
            firstHidden = prefixLength + (international ? 1 : 0)
            lastHidden = digitCount - 4
            guard firstHidden < lastHidden else {
                output.append(contentsOf: bytes)
                return true
            }
        }
        output.append(upTo: count) { out in
            out.update(from: base, count: count)
            if groupCount >= 3 {
                // A digit group: digits only.
                for position in hideStart..<hideEnd { out[position] = mask }
            } else {
                var seen = 0
                for position in 0..<count where base[position] &- 0x30 < 10 {
                    if seen >= firstHidden {
                        guard seen < lastHidden else { break }
                        out[position] = mask
                    }
                    seen &+= 1
                }
            }
            return count
        }
        return true
    }

    /// `ScalarText.maskIPAddress` on ASCII bytes; false (`output` untouched) when a byte is not ASCII or is CR.
    static func maskIPAddress(_ value: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        for byte in value where byte >= 0x80 || byte == 0x0D { return false }
        self.maskIPAddress(value, 0..<value.count, mask: mask, into: &output)
        return true
    }

    /// IPv4: the third octet becomes three mask characters; IPv6: the final group four (an IPv4 tail as IPv4).
    private static func maskIPAddress(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, mask: UInt8,
                                      into output: inout ByteOutput) {
        if let colon = range.last(where: { value[$0] == 0x3A }) {
            let last = (colon + 1)..<range.upperBound
            output.append(contentsOf: UnsafeBufferPointer(rebasing: value[range.lowerBound..<(colon + 1)]))
            if last.contains(where: { value[$0] == 0x2E }) {
                self.maskIPAddress(value, last, mask: mask, into: &output)
                return
            }
            if !last.isEmpty { for _ in 0..<4 { output.append(mask) } }
            return
        }
        var dots = (0, 0, 0)
        var dotCount = 0
        for position in range where value[position] == 0x2E {
            switch dotCount {
            case 0: dots.0 = position
            case 1: dots.1 = position
            case 2: dots.2 = position
            default: break
            }
            dotCount += 1
        }
        guard dotCount == 3 else {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: value[range]))
            return
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: value[range.lowerBound..<(dots.1 + 1)]))
        for _ in 0..<3 { output.append(mask) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: value[dots.2..<range.upperBound]))
    }

    @inline(__always)
    static func keepingDigits(_ value: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput,
                              keep: (Int, Int) -> Bool) {
        var count = 0
        for byte in value where byte &- 0x30 < 10 { count += 1 }
        var digit = 0
        for byte in value {
            if byte &- 0x30 < 10 {
                output.append(keep(digit, count) ? byte : mask)
                digit += 1
            } else {
                output.append(byte)
            }
        }
    }

    static func maskEmail(_ value: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) {
        guard let at = value.lastIndex(of: 0x40) else {
            for _ in 0..<value.count { output.append(mask) }
            return
        }
        let keep = at > 2 ? 2 : max(0, at - 1)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: value[0..<keep]))
        for _ in keep..<at { output.append(mask) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: value[at...]))
    }
}

/// Names written in precomposed Hangul syllables only (almost every name a detector reports), masked straight on the
/// bytes: each syllable is three bytes there, so `ScalarText` (scalars and offsets in scratch memory) would compute
/// the same thing more slowly. Same result as `ScalarText.maskName`, which it mirrors.
enum HangulNameMask {
    /// Appends the masked name and returns true; false (and `output` untouched) when `value` is not syllables only.
    static func appendMasked(_ value: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        let length = value.count
        guard length >= 3, length % 3 == 0, let base = value.baseAddress else { return false }
        // Syllables only (the text is valid UTF-8 already: a syllable's lead every three bytes says it all).
        var index = 0
        while index < length {
            guard HangulAddressMask.isSyllable(base, at: index, count: length) else { return false }
            index += 3
        }
        let count = length / 3
        switch count {
        case 1:
            output.append(contentsOf: value)
        case 2:
            output.append(upTo: 4) { out in
                out.update(from: base, count: 3)
                out[3] = mask
                return 4
            }
        case 3:
            output.append(upTo: 7) { out in
                out.update(from: base, count: 3)
                out[3] = mask
                (out + 4).update(from: base + 6, count: 3)
                return 7
            }
        default:
            let pair = (HangulAddressMask.syllable(base), HangulAddressMask.syllable(base + 3))
            let surnameLength = ScalarText.twoSyllableSurnames.contains { $0 == pair } ? 2 : 1
            let hidden = count - surnameLength - 1
            output.append(upTo: surnameLength * 3 + hidden + 3) { out in
                out.update(from: base, count: surnameLength * 3)
                for position in 0..<hidden { out[surnameLength * 3 + position] = mask }
                (out + surnameLength * 3 + hidden).update(from: base + length - 3, count: 3)
                return surnameLength * 3 + hidden + 3
            }
        }
        return true
    }
}

/// Addresses written in ASCII and precomposed Hangul syllables (almost every address a detector reports), masked
/// straight on the bytes. Same result as `ScalarText.maskAddress`, which it mirrors (and `MaskStyle.address` in the
/// end), without a scalar and an offset per character in scratch memory: tokens are byte ranges between spaces, found
/// (and checked) only as far as the rules read them; the few scalars the rules look at (the last syllable of a word,
/// the first of a branch's tail) are decoded where they stand; the visible tokens are one run of the value (single
/// spaces between tokens), and everything after them is masked byte by byte in one pass.
enum HangulAddressMask {
    /// Appends the masked address and returns true; false (and `output` untouched) when `value` has a character
    /// outside ASCII (other than CR) and Hangul syllables.
    static func appendMasked(_ value: UnsafeBufferPointer<UInt8>, mask: UInt8, into output: inout ByteOutput) -> Bool {
        guard let base = value.baseAddress else { return false }
        let count = value.count
        // How many tokens (split at single spaces) stay visible, and where the last of them ends.
        var keepCount = 0
        var keptEnd = 0
        var tokenIndex = 0
        guard var token = Self.token(base, from: 0, count: count) else { return false }
        while true {
            let word = Self.trimmed(base, token)
            if Self.isRoadName(base, word) {
                keepCount = tokenIndex + 1
                keptEnd = token.upperBound
                if token.upperBound < count {
                    guard let next = Self.token(base, from: token.upperBound + 1, count: count) else { return false }
                    if Self.isRoadBranch(base, Self.trimmed(base, next)) {
                        keepCount = tokenIndex + 2
                        keptEnd = next.upperBound
                    }
                }
                break
            }
            if Self.isNeighbourhood(base, word) {
                keepCount = tokenIndex + 1
                keptEnd = token.upperBound
            }
            if !word.isEmpty && base[word.lowerBound] &- 0x30 < 10 { break }
            guard token.upperBound < count else { break }
            guard let next = Self.token(base, from: token.upperBound + 1, count: count) else { return false }
            token = next
            tokenIndex += 1
        }
        if keepCount == 0 {
            guard var token = Self.token(base, from: 0, count: count) else { return false }
            while true {
                let word = Self.trimmed(base, token)
                let name = String(decoding: UnsafeBufferPointer(start: base + word.lowerBound, count: word.count), as: UTF8.self)
                guard !Gazetteer.lookup(name).isEmpty else { break }
                keptEnd = token.upperBound
                guard token.upperBound < count else { break }
                guard let next = Self.token(base, from: token.upperBound + 1, count: count) else { return false }
                token = next
            }
        }
        // The visible tokens as written; after them every character but `-,()` and space becomes one mask byte (the
        // characters there are checked here: on one outside the fast path, what was appended is taken back).
        let start = output.count
        output.append(contentsOf: UnsafeBufferPointer(start: base, count: keptEnd))
        var fits = true
        output.append(upTo: count - keptEnd) { out in
            var written = 0
            var index = keptEnd
            while index < count {
                let byte = base[index]
                if byte < 0x80 {
                    switch byte {
                    case 0x2D, 0x2C, 0x28, 0x29, 0x20: out[written] = byte
                    case 0x0D:
                        fits = false
                        return 0
                    default: out[written] = mask
                    }
                    index += 1
                } else {
                    guard Self.isSyllable(base, at: index, count: count) else {
                        fits = false
                        return 0
                    }
                    out[written] = mask
                    index += 3
                }
                written += 1
            }
            return written
        }
        if !fits { output.removeLast(output.count - start) }
        return fits
    }

    /// Whether a precomposed Hangul syllable (U+AC00…U+D7A3) starts at `index` (the text is valid UTF-8, so the
    /// lead and second byte tell, but for the last few syllables in ED 9E).
    @inline(__always)
    static func isSyllable(_ base: UnsafePointer<UInt8>, at index: Int, count: Int) -> Bool {
        let lead = base[index]
        guard lead &- 0xEA < 4, index + 2 < count else { return false }
        switch lead {
        case 0xEA: return base[index + 1] >= 0xB0  // from U+AC00
        case 0xED:  // up to U+D7A3
            let second = base[index + 1]
            return second < 0x9E || (second == 0x9E && base[index + 2] <= 0xA3)
        default: return true  // EB, EC: U+B000…U+CFFF
        }
    }

    /// The syllable whose three bytes start at `bytes`.
    @inline(__always)
    static func syllable(_ bytes: UnsafePointer<UInt8>) -> UInt32 {
        (UInt32(bytes[0] & 0x0F) << 12) | (UInt32(bytes[1] & 0x3F) << 6) | UInt32(bytes[2] & 0x3F)
    }

    /// The token starting at `start` (up to the next space or the end), or nil when it has a character outside the
    /// fast path.
    @inline(__always)
    static func token(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Range<Int>? {
        var end = start
        while end < count {
            let byte = base[end]
            if byte < 0x80 {
                if byte == 0x20 { break }
                if byte == 0x0D { return nil }
                end += 1
            } else {
                guard Self.isSyllable(base, at: end, count: count) else { return nil }
                end += 3
            }
        }
        return start..<end
    }

    /// The token without leading and trailing ASCII punctuation (a syllable's bytes are never punctuation).
    @inline(__always)
    static func trimmed(_ base: UnsafePointer<UInt8>, _ token: Range<Int>) -> Range<Int> {
        var lower = token.lowerBound
        var upper = token.upperBound
        while lower < upper && ScalarText.isPunctuation(UInt32(base[lower])) { lower += 1 }
        while upper > lower && ScalarText.isPunctuation(UInt32(base[upper - 1])) { upper -= 1 }
        return lower..<upper
    }

    /// The last syllable of a word, or nil when it ends in ASCII.
    @inline(__always)
    static func lastSyllable(_ base: UnsafePointer<UInt8>, _ word: Range<Int>) -> UInt32? {
        guard word.count >= 3, base[word.upperBound - 1] >= 0x80 else { return nil }
        return Self.syllable(base + word.upperBound - 3)
    }

    /// `ScalarText.isRoadName`: two characters or more, the last 로 or 길 (itself a syllable).
    @inline(__always)
    static func isRoadName(_ base: UnsafePointer<UInt8>, _ word: Range<Int>) -> Bool {
        guard word.count >= 4, let last = Self.lastSyllable(base, word) else { return false }
        return last == ScalarText.ro || last == ScalarText.gil
    }

    /// `ScalarText.isRoadBranch`: digits, then 길, 번길 or 가길.
    static func isRoadBranch(_ base: UnsafePointer<UInt8>, _ word: Range<Int>) -> Bool {
        guard !word.isEmpty, base[word.lowerBound] &- 0x30 < 10, Self.lastSyllable(base, word) == ScalarText.gil
        else { return false }
        var rest = word.lowerBound
        while rest < word.upperBound && base[rest] &- 0x30 < 10 { rest += 1 }
        var characters = 0
        for position in rest..<word.upperBound where base[position] & 0xC0 != 0x80 { characters += 1 }
        switch characters {
        case 1: return true  // 길
        case 2:
            guard base[rest] >= 0x80 else { return false }
            let first = Self.syllable(base + rest)
            return first == ScalarText.beon || first == ScalarText.ga
        default: return false
        }
    }

    /// `ScalarText.isNeighbourhood`: the last syllable 동, 리 or 가, with a syllable before it.
    @inline(__always)
    static func isNeighbourhood(_ base: UnsafePointer<UInt8>, _ word: Range<Int>) -> Bool {
        guard word.count >= 4, let last = Self.lastSyllable(base, word),
            last == ScalarText.dong || last == ScalarText.ri || last == ScalarText.ga
        else { return false }
        for position in word.lowerBound..<(word.upperBound - 3) where base[position] >= 0x80 { return true }
        return false
    }
}
