import Foundation

/// What a file password typed by the person must be, and the passwords pii-guard makes itself.
///
/// The default follows the Korean guidance for passwords protecting personal data: ten characters or more, or eight
/// or more using three kinds of characters (upper case, lower case, digits, symbols). Operators change the numbers in
/// `pii-guard.yaml` (`exports.password`).
public struct PasswordPolicy: Sendable, Hashable {
    /// Shortest password accepted whatever its kinds.
    public var minimumLength: Int
    /// Shortest password accepted when it uses at least `kindsForShorter` kinds of characters.
    public var minimumLengthWithKinds: Int
    public var kindsForShorter: Int
    /// Length of the passwords pii-guard generates.
    public var generatedLength: Int

    /// Longest password accepted (Office allows 255 UTF-16 units).
    public static let maxLength = 255

    public init(minimumLength: Int = 10, minimumLengthWithKinds: Int = 8, kindsForShorter: Int = 3, generatedLength: Int = 16) {
        self.minimumLength = minimumLength
        self.minimumLengthWithKinds = minimumLengthWithKinds
        self.kindsForShorter = kindsForShorter
        self.generatedLength = generatedLength
    }

    /// Checks a typed password; throws with the rule in words.
    public func check(_ password: String) throws(ExportPolicyError) {
        let length = password.count
        guard length <= Self.maxLength else { throw ExportPolicyError(.passwordTooLong) }
        if length >= self.minimumLength { return }
        if length >= self.minimumLengthWithKinds && Self.kinds(of: password) >= self.kindsForShorter { return }
        throw ExportPolicyError(.passwordTooWeak, detail: self.rule(.ko))
    }

    /// The rule as the page states it.
    public enum Language: Sendable { case ko, en }
    public func rule(_ language: Language) -> String {
        switch language {
        case .ko: "\(self.minimumLength)자 이상, 또는 영문 대문자·소문자·숫자·특수문자 중 \(self.kindsForShorter)종류 이상을 섞어 \(self.minimumLengthWithKinds)자 이상"
        case .en: "at least \(self.minimumLength) characters, or at least \(self.minimumLengthWithKinds) mixing \(self.kindsForShorter) kinds of upper case, lower case, digits and symbols"
        }
    }

    /// How many of the four kinds (upper, lower, digit, other) a password uses.
    public static func kinds(of password: String) -> Int {
        var upper = false, lower = false, digit = false, other = false
        for scalar in password.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: upper = true
            case 0x61...0x7A: lower = true
            case 0x30...0x39: digit = true
            default: other = true
            }
        }
        return [upper, lower, digit, other].filter { $0 }.count
    }

    /// A random password of `generatedLength` characters from an alphabet without look-alikes (no 0/O, 1/l/I), with
    /// at least one upper-case letter, lower-case letter, digit and symbol; from the system's CSPRNG.
    public func generate() -> String {
        let groups: [[Character]] = [Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), Array("abcdefghijkmnopqrstuvwxyz"),
                                     Array("23456789"), Array("!@#$%*-_=+")]
        let all = groups.flatMap { $0 }
        var generator = SystemRandomNumberGenerator()
        let length = max(self.generatedLength, 8)
        var characters = groups.map { $0.randomElement(using: &generator)! }
        while characters.count < length { characters.append(all.randomElement(using: &generator)!) }
        characters.shuffle(using: &generator)
        return String(characters)
    }
}
