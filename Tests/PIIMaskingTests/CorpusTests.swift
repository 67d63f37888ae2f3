import Foundation
import GuardTestSupport
import Testing

@testable import PIIMasking

/// The labelled corpus (Corpus/corpus.py): 600 synthetic admin documents — HTML lists and details, JSON APIs, chat
/// transcripts as text and JSON, CSV exports — masked with the shipped detectors, then scored by the generator's own
/// scorer, which knows every planted value and every decoy. Recall ≥ 99.5% per kind (no planted value left readable)
/// and ≥ 99.5% of decoys byte-identical.
@Suite("Masking corpus", .serialized)
struct CorpusTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Corpus/corpus.py").path

    static func scanner(for file: String, masker: TextMasker) -> any BodyMasker {
        switch (file as NSString).pathExtension {
        case "html": HTMLBodyMasker(masker: masker)
        case "json": JSONBodyMasker(masker: masker)
        case "csv": DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ","))
        default: TextBodyMasker(masker: masker)
        }
    }

    @Test("600 labelled documents: every kind at recall ≥ 99.5%, decoys ≥ 99.5% untouched, any chunking the same")
    func corpusIsMaskedAndDecoysSurvive() throws {
        guard Python.has("json") else {
            print("skipped: python3 is not installed")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)").path
        let masked = folder + "-masked"
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: masked)
        }
        _ = try Python.output("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                              arguments: [Self.script, "generate", "20261123", "600", folder])
        try FileManager.default.createDirectory(atPath: masked, withIntermediateDirectories: true)
        let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
        var generator = TestRandom(seed: 20261123)
        var chunked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where file != "labels.json" {
            let body = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
            let whole = try Self.mask(body, file: file, masker: masker, chunkSizes: [])
            // Every fifth document again in random pieces: the output must not change.
            if chunked < 120, generator.next() % 5 == 0 {
                let sizes = (0..<8).map { _ in Int(generator.next() % 97) + 1 }
                #expect(try Self.mask(body, file: file, masker: masker, chunkSizes: sizes) == whole, "\(file) chunked")
                chunked += 1
            }
            try Data(whole).write(to: URL(fileURLWithPath: masked + "/" + file))
        }
        let report = try Python.output("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                       arguments: [Self.script, "score", folder, masked])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        let recall = try #require(json["recall"] as? [String: Double])
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(Set(recall.keys) == Set(PIIKind.allCases.map(\.rawValue)), "every kind is planted")
        for (kind, value) in recall.sorted(by: { $0.key < $1.key }) {
            print("recall \(kind): \(String(format: "%.4f", value)) of \(counts[kind] ?? 0)")
            #expect(value >= 0.995, "recall of \(kind) is \(value); misses: \(json["misses"] ?? [])")
        }
        let kept = try #require(json["decoys_kept"] as? Double)
        print("decoys kept: \(String(format: "%.4f", kept)) of \(json["decoys"] ?? 0)")
        #expect(kept >= 0.995, "decoys kept \(kept); broken: \(json["broken_decoys"] ?? [])")
        #expect(chunked >= 60)
    }

    static func mask(_ body: [UInt8], file: String, masker: TextMasker, chunkSizes: [Int]) throws -> [UInt8] {
        try Self.scanner(for: file, masker: masker).maskWhole(body, chunkSizes: chunkSizes)
    }
}
