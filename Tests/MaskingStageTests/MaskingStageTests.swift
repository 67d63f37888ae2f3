import CompressNIO
import Foundation
import GuardProxy
import HTTPTypes
import NIOCore
import PIIMasking
import Testing

@testable import MaskingStage

/// The masking stage around the scanners: which responses it takes, content codings and legacy charsets undone and
/// redone, and refusing what it cannot read.
@Suite("Masking stage")
struct MaskingStageTests {
    static let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
    static let rules = MaskingRules(menuForPath: { _, path in path.hasPrefix("/sales/") ? "sales" : nil },
                                    maskers: ["sales": masker])
    let report = RecordingMaskingReport()
    var transformer: MaskingTransformer { MaskingTransformer(rules: { Self.rules }, report: self.report) }

    static let page = "<table><tr><th>구매자</th><th>연락처</th></tr><tr><td>홍길동</td><td>010-1234-5678</td></tr></table>"
    static let masked = "<table><tr><th>구매자</th><th>연락처</th></tr><tr><td>홍*동</td><td>010-****-5678</td></tr></table>"

    func response(_ path: String, type: String, encoding: String? = nil, method: HTTPRequest.Method = .get,
                  status: HTTPResponse.Status = .ok) -> ResponseDescription
    {
        var headers: HTTPFields = [.contentType: type]
        if let encoding { headers[.contentEncoding] = encoding }
        return ResponseDescription(siteName: "admin", method: method, path: path, status: status, headers: headers)
    }

    /// Runs a body through a transform in chunks of `size` bytes.
    func run(_ transform: any ResponseBodyTransform, _ body: [UInt8], size: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        var position = 0
        while position < body.count {
            let end = min(body.count, position + size)
            output += Array(try transform.process(ByteBuffer(bytes: body[position..<end])).readableBytesView)
            position = end
        }
        output += Array(try transform.finish().readableBytesView)
        return output
    }

    @Test func onlyTextOnPersonalInformationMenusIsTaken() throws {
        #expect(try self.transformer.makeTransform(for: self.response("/home", type: "text/html")) == nil)
        #expect(try self.transformer.makeTransform(for: self.response("/sales/a.png", type: "image/png")) == nil)
        // Default deny on a menu: scripts (JSONP) are masked as text; other types are refused unless listed.
        #expect(try self.transformer.makeTransform(for: self.response("/sales/x.js", type: "application/javascript")) != nil)
        #expect(try self.transformer.makeTransform(for: self.response("/sales/x.svg", type: "image/svg+xml")) != nil)
        #expect(try self.transformer.makeTransform(for: self.response("/home.bin", type: "application/octet-stream")) == nil)
        for type in ["application/octet-stream", "application/pdf", "application/zip", "application/x-anything",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] {
            #expect(throws: MaskingError.self, "\(type)") {
                try self.transformer.makeTransform(for: self.response("/sales/file", type: type))
            }
        }
        #expect(try self.transformer.makeTransform(for: self.response("/sales/o", type: "text/html", method: .head)) == nil)
        // A range answer starts mid-table: labels cut from their values. Refused on a menu, whatever its type.
        #expect(throws: MaskingError.self) {
            try self.transformer.makeTransform(for: self.response("/sales/o", type: "text/csv", status: .partialContent))
        }
        #expect(self.report.refusals.map(\.reason).contains(.partialContent))
        #expect(self.report.refusals.map(\.reason).contains(.unmaskableType))
        #expect(try self.transformer.makeTransform(for: self.response("/sales/o", type: "text/html")) != nil)
        #expect(MaskingTransformer.contentKind("application/problem+json") == .json)
        #expect(MaskingTransformer.contentKind("text/x-unknown") == .text, "unknown text is masked as text, not passed")
        #expect(MaskingTransformer.contentKind("") == .text)
    }

    @Test(arguments: ["gzip", "deflate-zlib", "deflate-raw"])
    func compressedBodiesAreDecodedMaskedAndReencoded(coding: String) throws {
        let algorithm: CompressionAlgorithm = switch coding {
        case "gzip": .gzip()
        case "deflate-zlib": .zlib()
        default: .deflate()
        }
        var plain = ByteBuffer(string: String(repeating: Self.page, count: 50))
        let compressed = Array(try plain.compress(with: algorithm).readableBytesView)
        for size in [1, 7, 100, 4096] {
            let transform = try #require(try self.transformer.makeTransform(
                for: self.response("/sales/orders", type: "text/html; charset=utf-8",
                                   encoding: coding == "gzip" ? "gzip" : "deflate")))
            var output = ByteBuffer(bytes: try self.run(transform, compressed, size: size))
            let decoded = String(buffer: try output.decompress(with: algorithm))
            #expect(decoded == String(repeating: Self.masked, count: 50), "\(coding) in \(size)-byte chunks")
        }
        #expect(self.report.summaries.last?.tally.counts[.phone] == 50)
    }

    @Test func eucKRBodiesAreMaskedAndStayEUCKR() throws {
        let legacy = try Transcoder(charset: "euc-kr")
        let body = try legacy.encode(Array(Self.page.utf8))
        #expect(body.count < Self.page.utf8.count, "two bytes per Hangul syllable, not three")
        for size in [1, 3, 64] {
            let transform = try #require(try self.transformer.makeTransform(
                for: self.response("/sales/orders", type: "text/html; charset=EUC-KR")))
            let output = try self.run(transform, body, size: size)
            let reader = try Transcoder(charset: "euc-kr")
            #expect(String(decoding: try reader.decode(output, final: true), as: UTF8.self) == Self.masked, "\(size)-byte chunks")
        }
    }

    @Test func whatCannotBeReadIsRefused() throws {
        #expect(throws: MaskingError.self) {
            _ = try self.transformer.makeTransform(for: self.response("/sales/o", type: "text/html", encoding: "br"))
        }
        // Corrupt gzip.
        let corrupt = try #require(try self.transformer.makeTransform(
            for: self.response("/sales/o", type: "text/html", encoding: "gzip")))
        #expect(throws: (any Error).self) { _ = try self.run(corrupt, [0x1f, 0x8b, 0x08, 0x00] + Array(repeating: 0xAB, count: 64), size: 16) }
        // A gzip body cut short: its tail was never seen, so it is not passed on as complete.
        var plain = ByteBuffer(string: Self.page)
        let compressed = Array(try plain.compress(with: .gzip()).readableBytesView)
        let truncated = try #require(try self.transformer.makeTransform(
            for: self.response("/sales/o", type: "text/html", encoding: "gzip")))
        #expect(throws: (any Error).self) { _ = try self.run(truncated, Array(compressed.prefix(compressed.count / 2)), size: 8) }
        // Invalid UTF-8, broken JSON, bytes that are not EUC-KR.
        let utf8 = try #require(try self.transformer.makeTransform(for: self.response("/sales/o", type: "text/plain")))
        #expect(throws: (any Error).self) { _ = try self.run(utf8, [0x41, 0xFF, 0x42], size: 2) }
        let json = try #require(try self.transformer.makeTransform(for: self.response("/sales/o", type: "application/json")))
        #expect(throws: (any Error).self) { _ = try self.run(json, Array(#"{"name": "홍길동", "#.utf8), size: 5) }
        let legacy = try #require(try self.transformer.makeTransform(
            for: self.response("/sales/o", type: "text/plain; charset=euc-kr")))
        #expect(throws: (any Error).self) { _ = try self.run(legacy, [0xB0, 0xA1, 0xFF, 0xFF], size: 4) }
        // Each refusal reaches the access records' sink, with its reason and never the body.
        #expect(self.report.refusals.map(\.reason) == [.unsupportedEncoding, .decompression, .decompression, .invalidUTF8,
                                                        .malformed, .malformed])
        #expect(Set(self.report.refusals.map(\.menu)) == ["sales"])
    }

    @Test func chatFramesAreMaskedAndBinaryFramesRefused() throws {
        let transformer = MaskingWebSocketTransformer(rules: { Self.rules }, report: self.report)
        #expect(try transformer.makeTransform(siteName: "admin", path: "/home") == nil)
        let transform = try #require(try transformer.makeTransform(siteName: "admin", path: "/sales/ws"))
        let message = try transform.fromUpstream(.text(#"{"name":"박서연","text":"전화 010-9876-5432 주세요"}"#))
        guard case .text(let text) = message else {
            Issue.record("a text frame came back as binary")
            return
        }
        #expect(text == #"{"name":"박*연","text":"전화 010-****-5432 주세요"}"#)
        #expect(throws: (any Error).self) { _ = try transform.fromUpstream(.binary(ByteBuffer(bytes: [1, 2, 3]))) }
    }
}
