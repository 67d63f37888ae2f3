import Foundation

/// Writes an OLE compound file ([MS-CFB]) front to back, without seeking, so that a large stream can be produced
/// straight into a file while it is being encrypted.
///
/// Every stream's size is declared up front; that fixes the whole layout, so the header can be written first.
/// The file is laid out as: header, the regular streams (each in contiguous sectors, in the order they were added),
/// the mini stream, the mini FAT, the directory, the FAT, and the DIFAT sectors if more than 109 FAT sectors are
/// needed. Contents are pulled in file order — regular streams first, then the small streams in the order they were
/// added — so a stream added later may depend on something computed while an earlier one was produced (the
/// EncryptionInfo stream carries the HMAC of the EncryptedPackage stream).
///
/// Sibling entries form a balanced binary search tree in the order of [MS-CFB] 2.6.4, coloured as a valid
/// red-black tree.
struct CompoundFileWriter {
    /// Receives the bytes of one stream and checks that its producer writes exactly the declared size.
    final class StreamOutput {
        fileprivate let sink: ByteSink
        fileprivate let name: String
        fileprivate let declaredSize: Int
        fileprivate(set) var written = 0

        fileprivate init(sink: ByteSink, name: String, declaredSize: Int) {
            self.sink = sink
            self.name = name
            self.declaredSize = declaredSize
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws(VaultCryptoError) {
            try reserve(bytes.count)
            try sink.write(bytes)
        }

        func write(_ bytes: [UInt8]) throws(VaultCryptoError) {
            try reserve(bytes.count)
            try sink.write(bytes)
        }

        func write(_ bytes: Data) throws(VaultCryptoError) {
            try reserve(bytes.count)
            try sink.write(bytes)
        }

        private func reserve(_ count: Int) throws(VaultCryptoError) {
            guard written + count <= declaredSize else {
                throw VaultCryptoError(.invalidInput, "stream \(name) grew beyond its declared \(declaredSize) bytes")
            }
            written += count
        }
    }

    /// Writes the content of one stream into the output it is given.
    typealias Producer = (StreamOutput) throws(VaultCryptoError) -> Void

    /// The version of the file: 3 (512-byte sectors, the version Office writes for encrypted documents) or 4.
    enum Version {
        case v3
        case v4

        var sectorShift: Int { self == .v3 ? 9 : 12 }
        var sectorSize: Int { 1 << sectorShift }
    }

    private struct Node {
        var name: [UInt16]
        var type: CompoundFile.ObjectType
        var children: [Int] = []
        var size = 0
        var producer: Producer?
        // Filled in by the layout.
        var startSector = CompoundFile.endOfChain
        var left = CompoundFile.noStream
        var right = CompoundFile.noStream
        var child = CompoundFile.noStream
        var black = true
    }

    let version: Version
    private var nodes: [Node]

    init(version: Version = .v3) {
        self.version = version
        nodes = [Node(name: Array("Root Entry".utf16), type: .root)]
    }

    /// Adds a stream whose content is known now. Storages on `path` are created as needed.
    mutating func addStream(_ path: [String], bytes: [UInt8]) throws(VaultCryptoError) {
        try addStream(path, size: bytes.count) { output throws(VaultCryptoError) in try output.write(bytes) }
    }

    /// Adds a stream of `size` bytes whose content `producer` writes when the file reaches it.
    mutating func addStream(_ path: [String], size: Int, producer: @escaping Producer) throws(VaultCryptoError) {
        guard let leaf = path.last else { throw VaultCryptoError(.invalidInput, "a stream needs a name") }
        guard size >= 0 else { throw VaultCryptoError(.invalidInput, "stream \(leaf) has a negative size") }
        if version == .v3 && size > CompoundFile.version3MaxStreamSize {
            throw VaultCryptoError(.invalidInput, "stream \(leaf) is larger than the 2 GiB a version 3 compound file allows")
        }
        var parent = 0
        for storage in path.dropLast() {
            parent = try child(named: storage, of: parent, creating: .storage)
        }
        try CompoundFile.validate(name: leaf)
        let units = Array(leaf.utf16)
        guard !nodes[parent].children.contains(where: { CompoundFile.sameName(nodes[$0].name, units) }) else {
            throw VaultCryptoError(.invalidInput, "duplicate compound-file entry \(path.joined(separator: "/"))")
        }
        nodes.append(Node(name: units, type: .stream, size: size, producer: producer))
        nodes[parent].children.append(nodes.count - 1)
    }

    /// Adds an (empty) storage; storages on a stream's path are also created implicitly.
    mutating func addStorage(_ path: [String]) throws(VaultCryptoError) {
        var parent = 0
        for storage in path { parent = try child(named: storage, of: parent, creating: .storage) }
    }

    private mutating func child(
        named name: String, of parent: Int, creating type: CompoundFile.ObjectType
    ) throws(VaultCryptoError) -> Int {
        try CompoundFile.validate(name: name)
        let units = Array(name.utf16)
        if let existing = nodes[parent].children.first(where: { CompoundFile.sameName(nodes[$0].name, units) }) {
            guard nodes[existing].type == type else {
                throw VaultCryptoError(.invalidInput, "compound-file entry \(name) is both a stream and a storage")
            }
            return existing
        }
        nodes.append(Node(name: units, type: type))
        nodes[parent].children.append(nodes.count - 1)
        return nodes.count - 1
    }

    /// The number of bytes ``write(to:)`` will produce.
    func fileSize() -> Int {
        var copy = self
        return copy.plan().fileSize
    }

    /// How many FAT and DIFAT sectors the file will have (for tests of the DIFAT boundary).
    func plannedAllocationSectors() -> (fat: Int, difat: Int) {
        var copy = self
        let layout = copy.plan()
        return (layout.fatSectors, layout.difatSectors)
    }

    // MARK: - Layout

    private struct Layout {
        var sectorSize: Int
        var regularStreams: [Int] = []        // node indices, in file order
        var miniStreams: [Int] = []
        var miniSectorCount = 0
        var miniContainerStart: UInt32 = 0
        var miniContainerSectors = 0
        var miniFatStart: UInt32 = 0
        var miniFatSectors = 0
        var directoryStart: UInt32 = 0
        var directorySectors = 0
        var fatStart: UInt32 = 0
        var fatSectors = 0
        var difatStart: UInt32 = 0
        var difatSectors = 0
        /// Contiguous chains in sector order: (first sector, sector count).
        var chains: [(start: UInt32, count: Int)] = []

        var totalSectors: Int { Int(difatStart) + difatSectors }
        var headerBytes: Int { sectorSize }   // the header occupies one sector (padded in version 4)
        var fileSize: Int { headerBytes + totalSectors * sectorSize }
    }

    private mutating func plan() -> Layout {
        let sectorSize = version.sectorSize
        var layout = Layout(sectorSize: sectorSize)
        var next = 0
        var miniNext = 0
        for index in nodes.indices where nodes[index].type == .stream {
            let size = nodes[index].size
            if size == 0 {
                nodes[index].startSector = CompoundFile.endOfChain
            } else if size >= CompoundFile.miniStreamCutoff {
                let count = (size + sectorSize - 1) / sectorSize
                nodes[index].startSector = UInt32(next)
                layout.regularStreams.append(index)
                layout.chains.append((UInt32(next), count))
                next += count
            } else {
                nodes[index].startSector = UInt32(miniNext)
                layout.miniStreams.append(index)
                miniNext += (size + CompoundFile.miniSectorSize - 1) / CompoundFile.miniSectorSize
            }
        }
        layout.miniSectorCount = miniNext
        let miniStreamBytes = miniNext * CompoundFile.miniSectorSize
        layout.miniContainerSectors = (miniStreamBytes + sectorSize - 1) / sectorSize
        layout.miniContainerStart = UInt32(next)
        if layout.miniContainerSectors > 0 { layout.chains.append((UInt32(next), layout.miniContainerSectors)) }
        next += layout.miniContainerSectors
        nodes[0].startSector = layout.miniContainerSectors > 0 ? layout.miniContainerStart : CompoundFile.endOfChain
        nodes[0].size = miniStreamBytes

        layout.miniFatSectors = (miniNext * 4 + sectorSize - 1) / sectorSize
        layout.miniFatStart = UInt32(next)
        if layout.miniFatSectors > 0 { layout.chains.append((UInt32(next), layout.miniFatSectors)) }
        next += layout.miniFatSectors

        let entriesPerSector = sectorSize / CompoundFile.directoryEntrySize
        layout.directorySectors = (nodes.count + entriesPerSector - 1) / entriesPerSector
        layout.directoryStart = UInt32(next)
        layout.chains.append((UInt32(next), layout.directorySectors))
        next += layout.directorySectors

        // FAT and DIFAT sectors describe themselves too: iterate to the fixed point.
        let entriesPerFatSector = sectorSize / 4
        var fat = 0
        var difat = 0
        while true {
            let neededFat = (next + fat + difat + entriesPerFatSector - 1) / entriesPerFatSector
            let overflow = max(0, neededFat - CompoundFile.headerDifatCount)
            let neededDifat = (overflow + entriesPerFatSector - 2) / (entriesPerFatSector - 1)
            if neededFat == fat && neededDifat == difat { break }
            fat = neededFat
            difat = neededDifat
        }
        layout.fatStart = UInt32(next)
        layout.fatSectors = fat
        layout.difatStart = UInt32(next + fat)
        layout.difatSectors = difat

        buildTrees()
        return layout
    }

    /// Links the children of every storage into a balanced search tree and colours it: all black except the
    /// deepest level of a tree that is not perfect, which is red. Every path then has the same number of black
    /// nodes and no red node has a red child.
    private mutating func buildTrees() {
        for parent in nodes.indices where nodes[parent].type != .stream {
            let sorted = nodes[parent].children.sorted { CompoundFile.precedes(nodes[$0].name, nodes[$1].name) }
            guard !sorted.isEmpty else { continue }
            var depthOf: [Int: Int] = [:]
            func link(_ range: Range<Int>, depth: Int) -> UInt32 {
                guard !range.isEmpty else { return CompoundFile.noStream }
                let middle = range.lowerBound + (range.count - 1) / 2
                let node = sorted[middle]
                depthOf[node] = depth
                nodes[node].left = link(range.lowerBound..<middle, depth: depth + 1)
                nodes[node].right = link((middle + 1)..<range.upperBound, depth: depth + 1)
                return UInt32(node)
            }
            nodes[parent].child = link(0..<sorted.count, depth: 0)
            let deepest = depthOf.values.max() ?? 0
            let perfect = sorted.count == (1 << (deepest + 1)) - 1
            for node in sorted { nodes[node].black = perfect || depthOf[node] != deepest }
        }
    }

    // MARK: - Writing

    /// Writes the whole file. Producers are called once each, in file order.
    consuming func write(to sink: ByteSink) throws(VaultCryptoError) {
        let layout = plan()
        let sectorSize = layout.sectorSize
        guard layout.totalSectors <= Int(CompoundFile.maxRegularSector) else {
            throw VaultCryptoError(.invalidInput, "the document is too large for a compound file")
        }
        let start = sink.count

        try sink.write(header(layout))

        for index in layout.regularStreams {
            try produce(index, into: sink)
            try sink.writeRepeating(0, count: padding(nodes[index].size, to: sectorSize))
        }

        let miniStart = sink.count
        for index in layout.miniStreams {
            try produce(index, into: sink)
            try sink.writeRepeating(0, count: padding(nodes[index].size, to: CompoundFile.miniSectorSize))
        }
        try sink.writeRepeating(0, count: padding(sink.count - miniStart, to: sectorSize))

        var miniFat = [UInt8]()
        miniFat.reserveCapacity(layout.miniFatSectors * sectorSize)
        for index in layout.miniStreams {
            let first = Int(nodes[index].startSector)
            let count = (nodes[index].size + CompoundFile.miniSectorSize - 1) / CompoundFile.miniSectorSize
            for sector in first..<(first + count) {
                miniFat.appendLE32(sector == first + count - 1 ? CompoundFile.endOfChain : UInt32(sector + 1))
            }
        }
        while miniFat.count < layout.miniFatSectors * sectorSize { miniFat.appendLE32(CompoundFile.freeSector) }
        try sink.write(miniFat)

        var directory = [UInt8]()
        directory.reserveCapacity(layout.directorySectors * sectorSize)
        for node in nodes { appendEntry(node, to: &directory) }
        while directory.count < layout.directorySectors * sectorSize { appendUnusedEntry(to: &directory) }
        try sink.write(directory)

        try writeFat(layout, to: sink)
        try writeDifat(layout, to: sink)

        guard sink.count - start == layout.fileSize else {
            throw VaultCryptoError(.invalidInput, "internal error: compound file size mismatch")
        }
    }

    private func produce(_ index: Int, into sink: ByteSink) throws(VaultCryptoError) {
        let node = nodes[index]
        let name = String(decoding: node.name, as: UTF16.self)
        let output = StreamOutput(sink: sink, name: name, declaredSize: node.size)
        try node.producer?(output)
        guard output.written == node.size else {
            throw VaultCryptoError(
                .invalidInput, "stream \(name) produced \(output.written) bytes instead of \(node.size)"
            )
        }
    }

    private func padding(_ size: Int, to unit: Int) -> Int {
        (unit - size % unit) % unit
    }

    private func header(_ layout: Layout) -> [UInt8] {
        var bytes = CompoundFile.signature
        bytes.append(contentsOf: repeatElement(0, count: 16))                  // header CLSID
        bytes.appendLE16(0x003E)                                                // minor version
        bytes.appendLE16(version == .v3 ? 3 : 4)                                // major version
        bytes.appendLE16(0xFFFE)                                                // byte order: little-endian
        bytes.appendLE16(UInt16(version.sectorShift))
        bytes.appendLE16(6)                                                     // mini sector shift
        bytes.append(contentsOf: repeatElement(0, count: 6))                    // reserved
        bytes.appendLE32(version == .v3 ? 0 : UInt32(layout.directorySectors))  // directory sectors (v4 only)
        bytes.appendLE32(UInt32(layout.fatSectors))
        bytes.appendLE32(layout.directoryStart)
        bytes.appendLE32(0)                                                     // transaction signature
        bytes.appendLE32(UInt32(CompoundFile.miniStreamCutoff))
        bytes.appendLE32(layout.miniFatSectors > 0 ? layout.miniFatStart : CompoundFile.endOfChain)
        bytes.appendLE32(UInt32(layout.miniFatSectors))
        bytes.appendLE32(layout.difatSectors > 0 ? layout.difatStart : CompoundFile.endOfChain)
        bytes.appendLE32(UInt32(layout.difatSectors))
        for slot in 0..<CompoundFile.headerDifatCount {
            bytes.appendLE32(slot < layout.fatSectors ? layout.fatStart + UInt32(slot) : CompoundFile.freeSector)
        }
        bytes.append(contentsOf: repeatElement(0, count: layout.headerBytes - bytes.count))
        return bytes
    }

    private func appendEntry(_ node: Node, to bytes: inout [UInt8]) {
        let start = bytes.count
        for unit in node.name { bytes.appendLE16(unit) }
        bytes.append(contentsOf: repeatElement(0, count: 64 - node.name.count * 2))
        bytes.appendLE16(UInt16((node.name.count + 1) * 2))   // length in bytes, terminator included
        bytes.append(node.type.rawValue)
        bytes.append(node.black ? 1 : 0)
        bytes.appendLE32(node.left)
        bytes.appendLE32(node.right)
        bytes.appendLE32(node.type == .stream ? CompoundFile.noStream : node.child)
        bytes.append(contentsOf: repeatElement(0, count: 16))   // CLSID
        bytes.appendLE32(0)                                      // state bits
        bytes.appendLE64(0)                                      // creation time (zero is always valid)
        bytes.appendLE64(0)                                      // modification time
        bytes.appendLE32(node.type == .storage ? 0 : node.startSector)
        bytes.appendLE64(node.type == .storage ? 0 : UInt64(node.size))
        assert(bytes.count - start == CompoundFile.directoryEntrySize)
    }

    private func appendUnusedEntry(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: repeatElement(0, count: 66))
        bytes.append(CompoundFile.ObjectType.unused.rawValue)
        bytes.append(0)
        bytes.appendLE32(CompoundFile.noStream)
        bytes.appendLE32(CompoundFile.noStream)
        bytes.appendLE32(CompoundFile.noStream)
        bytes.append(contentsOf: repeatElement(0, count: 16 + 4 + 8 + 8 + 4 + 8))
    }

    private func writeFat(_ layout: Layout, to sink: ByteSink) throws(VaultCryptoError) {
        let entriesPerSector = layout.sectorSize / 4
        var sector = [UInt8]()
        sector.reserveCapacity(layout.sectorSize)
        var written = 0
        func emit(_ value: UInt32) throws(VaultCryptoError) {
            sector.appendLE32(value)
            written += 1
            if sector.count == layout.sectorSize {
                try sink.write(sector)
                sector.removeAll(keepingCapacity: true)
            }
        }
        for chain in layout.chains {
            for offset in 0..<chain.count {
                try emit(offset == chain.count - 1 ? CompoundFile.endOfChain : chain.start + UInt32(offset + 1))
            }
        }
        for _ in 0..<layout.fatSectors { try emit(CompoundFile.fatSector) }
        for _ in 0..<layout.difatSectors { try emit(CompoundFile.difatSector) }
        while written < layout.fatSectors * entriesPerSector { try emit(CompoundFile.freeSector) }
    }

    private func writeDifat(_ layout: Layout, to sink: ByteSink) throws(VaultCryptoError) {
        guard layout.difatSectors > 0 else { return }
        let perSector = layout.sectorSize / 4 - 1
        var fatIndex = CompoundFile.headerDifatCount
        for difatIndex in 0..<layout.difatSectors {
            var sector = [UInt8]()
            sector.reserveCapacity(layout.sectorSize)
            for _ in 0..<perSector {
                if fatIndex < layout.fatSectors {
                    sector.appendLE32(layout.fatStart + UInt32(fatIndex))
                    fatIndex += 1
                } else {
                    sector.appendLE32(CompoundFile.freeSector)
                }
            }
            let isLast = difatIndex == layout.difatSectors - 1
            sector.appendLE32(isLast ? CompoundFile.endOfChain : layout.difatStart + UInt32(difatIndex + 1))
            try sink.write(sector)
        }
    }
}

