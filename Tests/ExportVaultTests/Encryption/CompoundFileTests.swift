import Foundation
import Testing
@testable import ExportVault

@Suite("Compound file writer and reader")
struct CompoundFileTests {
    /// Streams of awkward sizes (empty, around the mini-sector size and the 4096-byte cutoff), nested storages,
    /// names that differ in case and length, and a non-ASCII name.
    static func sampleStreams() -> [(path: [String], bytes: [UInt8])] {
        var streams: [(path: [String], bytes: [UInt8])] = []
        let sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, 70_000]
        for (index, size) in sizes.enumerated() {
            streams.append((["Stream\(index)"], CryptoFixture.pseudoRandomBytes(size, seed: UInt64(index))))
        }
        streams.append((["a", "b", "c", "deep"], CryptoFixture.pseudoRandomBytes(5000, seed: 99)))
        streams.append((["a", "B2", "small"], CryptoFixture.pseudoRandomBytes(100, seed: 98)))
        streams.append((["a", "zz"], CryptoFixture.pseudoRandomBytes(10, seed: 97)))
        streams.append((["\u{05}SummaryInformation"], CryptoFixture.pseudoRandomBytes(300, seed: 96)))
        streams.append((["데이터"], CryptoFixture.pseudoRandomBytes(200, seed: 95)))
        for index in 0..<20 {
            streams.append((["many", "Entry\(String(repeating: "x", count: index % 7))\(index)"], [UInt8(index)]))
        }
        return streams
    }

    static func build(_ version: CompoundFileWriter.Version) throws -> [UInt8] {
        var writer = CompoundFileWriter(version: version)
        for stream in sampleStreams() { try writer.addStream(stream.path, bytes: stream.bytes) }
        let expectedSize = writer.fileSize()
        let sink = ByteSink(expectedSize: expectedSize)
        try writer.write(to: sink)
        let bytes = sink.takeBytes()
        #expect(bytes.count == expectedSize)
        return bytes
    }

    @Test("every stream reads back as written", arguments: [CompoundFileWriter.Version.v3, .v4])
    func roundTrip(version: CompoundFileWriter.Version) throws {
        let file = try Self.build(version)
        try file.withUnsafeBytes { raw in
            let reader = try CompoundFileReader(raw)
            #expect(reader.sectorSize == version.sectorSize)
            for stream in Self.sampleStreams() {
                let entry = try #require(try reader.entry(at: stream.path), "\(stream.path)")
                #expect(try reader.read(entry) == stream.bytes, "\(stream.path)")
            }
            // Lookup is case-insensitive, as the format requires.
            #expect(try reader.entry(at: ["A", "b2", "SMALL"]) != nil)
            #expect(try reader.entry(at: ["missing"]) == nil)
        }
    }

    @Test("sibling trees are binary search trees in MS-CFB order and valid red-black trees",
          arguments: [CompoundFileWriter.Version.v3, .v4])
    func redBlackTrees(version: CompoundFileWriter.Version) throws {
        let file = try Self.build(version)
        try file.withUnsafeBytes { raw in
            let reader = try CompoundFileReader(raw)
            for storage in reader.entries where storage.type == .storage || storage.type == .root {
                // In-order traversal must be sorted.
                let children = try reader.children(of: storage)
                for (left, right) in zip(children, children.dropFirst()) {
                    #expect(CompoundFile.precedes(left.name, right.name), "\(left.nameString) < \(right.nameString)")
                }
                guard storage.child != CompoundFile.noStream else { continue }
                let root = reader.entries[Int(storage.child)]
                #expect(root.isBlack, "root of \(storage.nameString) is black")
                // Returns the black height, checking red nodes have black children.
                func blackHeight(_ id: UInt32, parentRed: Bool) -> Int {
                    guard id != CompoundFile.noStream else { return 1 }
                    let node = reader.entries[Int(id)]
                    #expect(!(parentRed && !node.isBlack), "red \(node.nameString) under a red parent")
                    let left = blackHeight(node.left, parentRed: !node.isBlack)
                    let right = blackHeight(node.right, parentRed: !node.isBlack)
                    #expect(left == right, "black heights under \(node.nameString)")
                    return left + (node.isBlack ? 1 : 0)
                }
                _ = blackHeight(storage.child, parentRed: false)
            }
        }
    }

    @Test("olefile (strict) reads the same streams", .enabled(if: PythonOffice.isAvailable, "needs python3 with olefile"),
          arguments: [CompoundFileWriter.Version.v3, .v4])
    func olefileAgrees(version: CompoundFileWriter.Version) async throws {
        let scratch = try CryptoFixture.Scratch()
        let url = scratch.file("sample.cfb")
        try CryptoFixture.writeBytes(try Self.build(version), to: url)
        let output = try await PythonOffice.check(["list", url.path])
        struct Listing: Decodable {
            struct Stream: Decodable {
                let size: Int
                let sha256: String
            }
            let streams: [String: Stream]
            let sectorSize: Int
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(output.utf8))
        #expect(listing.sectorSize == version.sectorSize)
        let expected = Self.sampleStreams()
        #expect(listing.streams.count == expected.count)
        for stream in expected {
            let key = stream.path.joined(separator: "/")
            let seen = try #require(listing.streams[key], "olefile lists \(key)")
            #expect(seen.size == stream.bytes.count)
            #expect(seen.sha256 == CryptoFixture.hexString(AgileHashAlgorithm.sha256.hash(stream.bytes)))
        }
    }

    @Test("a FAT chain that loops is reported as damage instead of hanging")
    func loopingChain() throws {
        var writer = CompoundFileWriter()
        try writer.addStream(["Big"], bytes: CryptoFixture.pseudoRandomBytes(10_000, seed: 1))
        let sink = ByteSink(expectedSize: 0)
        try writer.write(to: sink)
        var file = sink.takeBytes()
        // Point sector 3 of the stream back to sector 1.
        let fatSector = Int(file.le32(0x4C))
        let entryOffset = 512 + fatSector * 512 + 3 * 4
        file.replaceSubrange(entryOffset..<(entryOffset + 4), with: [1, 0, 0, 0])
        let error = file.withUnsafeBytes { raw -> VaultCryptoError? in
            CryptoFixture.vaultError {
                let reader = try CompoundFileReader(raw)
                guard let entry = try reader.entry(at: ["Big"]) else { return }
                _ = try reader.read(entry)
            }
        }
        #expect(error?.code == .corrupt)
    }

    @Test("a truncated file is reported as damage")
    func truncated() throws {
        let file = try Self.build(.v3)
        for length in [600, file.count / 2, file.count - 1] {
            let error = Array(file.prefix(length)).withUnsafeBytes { raw -> VaultCryptoError? in
                CryptoFixture.vaultError {
                    let reader = try CompoundFileReader(raw)
                    for stream in Self.sampleStreams() {
                        if let entry = try reader.entry(at: stream.path) { _ = try reader.read(entry) }
                    }
                }
            }
            #expect(error?.code == .corrupt, "truncated to \(length)")
        }
    }

    @Test("invalid names are refused")
    func invalidNames() {
        var writer = CompoundFileWriter()
        #expect(CryptoFixture.vaultError { try writer.addStream(["a/b"], bytes: []) }?.code == .invalidInput)
        #expect(CryptoFixture.vaultError { try writer.addStream([String(repeating: "n", count: 32)], bytes: []) }?.code == .invalidInput)
        #expect(CryptoFixture.vaultError { try writer.addStream(["dup"], bytes: []) } == nil)
        #expect(CryptoFixture.vaultError { try writer.addStream(["DUP"], bytes: []) }?.code == .invalidInput)
    }
}
