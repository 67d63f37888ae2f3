import Foundation
import Glibc
import PIIMasking

/// Transcodes a legacy Korean body (EUC-KR, and its superset CP949 that Windows servers send under that name) to
/// UTF-8 for the scanners and back, streaming, with glibc's iconv.
///
/// A character split across chunks is held back until its second byte arrives. A byte sequence that is not EUC-KR/
/// CP949 is an error: such a body cannot be read, so it cannot be masked, so it is not passed on.
final class Transcoder {
    private let decoder: iconv_t
    private let encoder: iconv_t
    private var pending: [UInt8] = []
    let name: String

    /// The charsets handled this way; UTF-8 (and ASCII) need nothing.
    static func legacyCharset(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                .lowercased()
            if ["euc-kr", "euckr", "cp949", "ks_c_5601-1987", "ks_c_5601", "x-windows-949", "windows-949", "uhc"].contains(value) {
                return value
            }
        }
        return nil
    }

    init(charset: String) throws(MaskingError) {
        self.name = charset
        let decoder = iconv_open("UTF-8", "CP949")
        let encoder = iconv_open("CP949", "UTF-8")
        guard decoder != iconv_t(bitPattern: -1), encoder != iconv_t(bitPattern: -1) else {
            throw MaskingError(.unsupportedEncoding, "this system's iconv cannot convert \(charset) (CP949)")
        }
        self.decoder = decoder!
        self.encoder = encoder!
    }

    deinit {
        iconv_close(self.decoder)
        iconv_close(self.encoder)
    }

    /// Legacy bytes → UTF-8; keeps an incomplete trailing character for the next call.
    func decode(_ bytes: [UInt8], final: Bool) throws(MaskingError) -> [UInt8] {
        var input = self.pending + bytes
        self.pending = []
        let (output, consumed, incomplete) = try Self.run(self.decoder, &input, what: "\(self.name) body")
        if incomplete {
            if final { throw MaskingError(.malformed, "the \(self.name) body ends inside a character") }
            self.pending = Array(input[consumed...])
        }
        return output
    }

    /// UTF-8 → legacy bytes. Masked output is always complete characters. A character the legacy charset lacks
    /// (none of ours: `*` and the Hangul we keep exist in CP949) is an error.
    func encode(_ bytes: [UInt8]) throws(MaskingError) -> [UInt8] {
        var input = bytes
        let (output, _, incomplete) = try Self.run(self.encoder, &input, what: "masked text")
        if incomplete { throw MaskingError(.malformed, "the masked text ends inside a character") }
        return output
    }

    private static func run(_ converter: iconv_t, _ input: inout [UInt8], what: String) throws(MaskingError)
        -> (output: [UInt8], consumed: Int, incomplete: Bool)
    {
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let count = input.count
        var result: (Int, Int, Int32) = (0, 0, 0)
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                let status = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                result = (count - inLeft, outBuffer.count - outLeft, status == -1 ? errno : 0)
            }
        }
        let (consumed, produced, error) = result
        output.removeSubrange(produced...)
        switch error {
        case 0: return (output, consumed, false)
        case EINVAL: return (output, consumed, true)
        default: throw MaskingError(.malformed, "the \(what) holds bytes that are not valid in its charset")
        }
    }
}
