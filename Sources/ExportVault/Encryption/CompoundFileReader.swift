import Foundation

/// Reads streams out of an OLE compound file ([MS-CFB]) held in memory: version 3 (512-byte sectors) and
/// version 4 (4096-byte sectors), FAT chains, DIFAT sectors, the mini stream and the mini FAT.
///
/// It exists to open encrypted Office documents, which are compound files, and it assumes nothing about who
/// wrote them: every sector number, chain and size is checked against the file, chains that loop or run off
/// the file are reported as damage, and nothing is copied until a stream is asked for.
///
/// The reader borrows the buffer it is given; it must not outlive it.
struct CompoundFileReader {
    /// One entry of the directory.
    struct Entry {
        let id: Int
        let name: [UInt16]
        let type: CompoundFile.ObjectType
        /// Red-black colour (0 red, 1 black); kept for validation, not needed for lookup.
        let isBlack: Bool
        let left: UInt32
        let right: UInt32
        let child: UInt32
        let startSector: UInt32
        let size: Int

        var nameString: String { String(decoding: name, as: UTF16.self) }
    }

    let bytes: UnsafeRawBufferPointer
    let majorVersion: Int
    let sectorSize: Int
    private let fat: [UInt32]
    private let miniFat: [UInt32]
    private let miniStreamSectors: [UInt32]
    let entries: [Entry]

    /// Parses the header, the FAT, the directory and the mini FAT.
    init(_ bytes: UnsafeRawBufferPointer) throws(VaultCryptoError) {
        self.bytes = bytes
        guard bytes.count >= CompoundFile.headerSize,
              zip(bytes.prefix(8), CompoundFile.signature).allSatisfy({ $0 == $1 })
        else {
            throw VaultCryptoError(.notCompoundFile)
        }
        guard bytes.le16(0x1C) == 0xFFFE else { throw .corrupt("the compound file is not little-endian") }
        let major = Int(bytes.le16(0x1A))
        let shift = Int(bytes.le16(0x1E))
        switch (major, shift) {
        case (3, 9), (4, 12): break
        default: throw .corrupt("unsupported compound file version \(major) with sector shift \(shift)")
        }
        guard bytes.le16(0x20) == 6 else { throw .corrupt("unsupported mini sector size") }
        majorVersion = major
        sectorSize = 1 << shift
        let sectorSize = self.sectorSize
        let cutoff = Int(bytes.le32(0x38))
        guard cutoff == CompoundFile.miniStreamCutoff else {
            throw .corrupt("unsupported mini stream cutoff \(cutoff)")
        }

        // Sectors that can exist at all given the file's length (a short final sector is tolerated and checked
        // again when read).
        let sectorCount = max(0, (bytes.count - sectorSize + sectorSize - 1) / sectorSize)
        func checkedSector(_ sector: UInt32, _ what: String) throws(VaultCryptoError) -> Int {
            guard sector <= CompoundFile.maxRegularSector, Int(sector) < sectorCount else {
                throw .corrupt("\(what) points outside the file")
            }
            return Int(sector)
        }
        func sectorBytes(_ sector: Int) throws(VaultCryptoError) -> UnsafeRawBufferPointer {
            let offset = sectorSize + sector * sectorSize
            guard offset + sectorSize <= bytes.count else { throw .corrupt("the file is truncated") }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + sectorSize)])
        }

        // DIFAT: the header's 109 slots, then the DIFAT chain.
        let fatSectorCount = Int(bytes.le32(0x2C))
        guard fatSectorCount <= sectorCount else { throw .corrupt("the FAT is larger than the file") }
        var fatSectors: [Int] = []
        fatSectors.reserveCapacity(fatSectorCount)
        for slot in 0..<CompoundFile.headerDifatCount where fatSectors.count < fatSectorCount {
            fatSectors.append(try checkedSector(bytes.le32(0x4C + 4 * slot), "the DIFAT"))
        }
        var difatSector = bytes.le32(0x44)
        var difatVisited = 0
        let perDifat = sectorSize / 4 - 1
        while fatSectors.count < fatSectorCount {
            guard difatSector != CompoundFile.endOfChain, difatVisited < sectorCount else {
                throw .corrupt("the DIFAT ends before listing every FAT sector")
            }
            let sector = try sectorBytes(try checkedSector(difatSector, "the DIFAT chain"))
            for slot in 0..<perDifat where fatSectors.count < fatSectorCount {
                fatSectors.append(try checkedSector(sector.le32(4 * slot), "the DIFAT"))
            }
            difatSector = sector.le32(4 * perDifat)
            difatVisited += 1
        }

        var fat: [UInt32] = []
        fat.reserveCapacity(fatSectorCount * sectorSize / 4)
        for fatSector in fatSectors {
            let sector = try sectorBytes(fatSector)
            for slot in 0..<(sectorSize / 4) { fat.append(sector.le32(4 * slot)) }
        }
        if fat.count > sectorCount { fat.removeLast(fat.count - sectorCount) }
        self.fat = fat

        func chain(from first: UInt32, _ what: String) throws(VaultCryptoError) -> [UInt32] {
            var sectors: [UInt32] = []
            var visited = Set<UInt32>()
            var current = first
            while current != CompoundFile.endOfChain {
                guard current <= CompoundFile.maxRegularSector, Int(current) < fat.count else {
                    throw .corrupt("the \(what) chain points outside the file")
                }
                guard visited.insert(current).inserted else { throw .corrupt("the \(what) chain loops") }
                sectors.append(current)
                current = fat[Int(current)]
            }
            return sectors
        }

        // Directory.
        let directorySectors = try chain(from: bytes.le32(0x30), "directory")
        guard !directorySectors.isEmpty else { throw .corrupt("the compound file has no directory") }
        var entries: [Entry] = []
        for sectorNumber in directorySectors {
            let sector = try sectorBytes(Int(sectorNumber))
            for slot in 0..<(sectorSize / CompoundFile.directoryEntrySize) {
                let base = slot * CompoundFile.directoryEntrySize
                let entry = UnsafeRawBufferPointer(rebasing: sector[base..<(base + CompoundFile.directoryEntrySize)])
                entries.append(try Self.parseEntry(entry, id: entries.count, majorVersion: major))
            }
        }
        guard entries.first?.type == .root else { throw .corrupt("the directory has no root entry") }
        self.entries = entries

        // Mini FAT and the mini stream (the root entry's chain).
        let miniFatChain = try chain(from: bytes.le32(0x3C), "mini FAT")
        var miniFat: [UInt32] = []
        for sectorNumber in miniFatChain {
            let sector = try sectorBytes(Int(sectorNumber))
            for slot in 0..<(sectorSize / 4) { miniFat.append(sector.le32(4 * slot)) }
        }
        self.miniFat = miniFat
        let root = entries[0]
        miniStreamSectors = root.size == 0 ? [] : try chain(from: root.startSector, "mini stream")
        guard miniStreamSectors.count * sectorSize >= root.size else {
            throw .corrupt("the mini stream is shorter than its recorded size")
        }
    }

    private static func parseEntry(
        _ raw: UnsafeRawBufferPointer, id: Int, majorVersion: Int
    ) throws(VaultCryptoError) -> Entry {
        let typeByte = raw[0x42]
        let type = CompoundFile.ObjectType(rawValue: typeByte) ?? .unused
        let nameBytes = Int(raw.le16(0x40))
        var name: [UInt16] = []
        if type != .unused {
            guard nameBytes >= 2, nameBytes <= 64, nameBytes % 2 == 0 else {
                throw .corrupt("directory entry \(id) has an invalid name length")
            }
            for index in 0..<(nameBytes / 2 - 1) { name.append(raw.le16(2 * index)) }
        }
        var size = raw.le64(0x78)
        // Old version 3 writers left the high half uninitialised; [MS-CFB] advises ignoring it.
        if majorVersion == 3 { size &= 0xFFFF_FFFF }
        guard size <= UInt64(Int.max) else { throw .corrupt("directory entry \(id) has an impossible size") }
        return Entry(
            id: id, name: name, type: type, isBlack: raw[0x43] == 1,
            left: raw.le32(0x44), right: raw.le32(0x48), child: raw.le32(0x4C),
            startSector: raw.le32(0x74), size: Int(size)
        )
    }

    // MARK: - Lookup

    /// The children of a storage (or of the root), walking its sibling tree in order and refusing loops.
    func children(of storage: Entry) throws(VaultCryptoError) -> [Entry] {
        var result: [Entry] = []
        var seen = Set<UInt32>()
        var stack: [UInt32] = []
        var current = storage.child
        while current != CompoundFile.noStream || !stack.isEmpty {
            while current != CompoundFile.noStream {
                guard Int(current) < entries.count, seen.insert(current).inserted else {
                    throw .corrupt("the directory tree under \(storage.nameString) is damaged")
                }
                stack.append(current)
                current = entries[Int(current)].left
            }
            let id = stack.removeLast()
            let entry = entries[Int(id)]
            if entry.type != .unused { result.append(entry) }
            current = entry.right
        }
        return result
    }

    /// The entry at `path` below the root (names compare case-insensitively, as the format says), if any.
    func entry(at path: [String]) throws(VaultCryptoError) -> Entry? {
        var current = entries[0]
        for component in path {
            let wanted = Array(component.utf16)
            guard current.type != .stream,
                  let next = try children(of: current).first(where: { CompoundFile.sameName($0.name, wanted) })
            else { return nil }
            current = next
        }
        return current
    }

    // MARK: - Stream contents

    /// Hands the content of a stream to `body` in pieces, in order, without copying it; consecutive sectors are
    /// passed as one piece.
    func forEachPiece(
        of entry: Entry, _ body: (UnsafeRawBufferPointer) throws(VaultCryptoError) -> Void
    ) throws(VaultCryptoError) {
        guard entry.type == .stream else { throw .corrupt("\(entry.nameString) is not a stream") }
        guard entry.size <= bytes.count else { throw .corrupt("\(entry.nameString) claims to be larger than the file") }
        var remaining = entry.size
        guard remaining > 0 else { return }
        if remaining < CompoundFile.miniStreamCutoff {
            try forEachMiniPiece(start: entry.startSector, size: remaining, name: entry.nameString, body)
            return
        }
        var current = entry.startSector
        var visited = [Bool](repeating: false, count: fat.count)
        var runStart = -1
        var runLength = 0
        func flushRun() throws(VaultCryptoError) {
            guard runLength > 0 else { return }
            let offset = sectorSize + runStart * sectorSize
            let length = min(runLength * sectorSize, remaining)
            guard offset + length <= bytes.count else { throw .corrupt("\(entry.nameString) runs past the end of the file") }
            try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
            remaining -= length
            runLength = 0
        }
        while remaining > runLength * sectorSize {
            guard current <= CompoundFile.maxRegularSector, Int(current) < fat.count, !visited[Int(current)] else {
                throw .corrupt("the chain of \(entry.nameString) is shorter than the stream, loops or is damaged")
            }
            let sector = Int(current)
            visited[sector] = true
            if runLength > 0 && sector == runStart + runLength {
                runLength += 1
            } else {
                try flushRun()
                runStart = sector
                runLength = 1
            }
            current = fat[sector]
        }
        try flushRun()
    }

    private func forEachMiniPiece(
        start: UInt32, size: Int, name: String, _ body: (UnsafeRawBufferPointer) throws(VaultCryptoError) -> Void
    ) throws(VaultCryptoError) {
        var remaining = size
        var current = start
        var visited = [Bool](repeating: false, count: miniFat.count)
        let miniPerSector = sectorSize / CompoundFile.miniSectorSize
        while remaining > 0 {
            guard current <= CompoundFile.maxRegularSector, Int(current) < miniFat.count, !visited[Int(current)] else {
                throw .corrupt("the mini-stream chain of \(name) loops or is damaged")
            }
            let mini = Int(current)
            visited[mini] = true
            let containerIndex = mini / miniPerSector
            guard containerIndex < miniStreamSectors.count else {
                throw .corrupt("\(name) points outside the mini stream")
            }
            let offset = sectorSize + Int(miniStreamSectors[containerIndex]) * sectorSize
                + (mini % miniPerSector) * CompoundFile.miniSectorSize
            let length = min(CompoundFile.miniSectorSize, remaining)
            guard offset + length <= bytes.count else { throw .corrupt("\(name) runs past the end of the file") }
            try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
            remaining -= length
            current = miniFat[mini]
        }
    }

    /// The whole content of a stream, copied.
    func read(_ entry: Entry, limit: Int = .max) throws(VaultCryptoError) -> [UInt8] {
        guard entry.size <= limit, entry.size <= bytes.count else {
            throw .corrupt("\(entry.nameString) is implausibly large")
        }
        var result: [UInt8] = []
        result.reserveCapacity(entry.size)
        try forEachPiece(of: entry) { piece in result.append(contentsOf: piece) }
        return result
    }
}
