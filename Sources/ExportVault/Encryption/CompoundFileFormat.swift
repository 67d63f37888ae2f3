// Constants and rules of the OLE compound file format ([MS-CFB]) shared by the writer and the reader.

/// Special sector numbers and fixed sizes of [MS-CFB].
enum CompoundFile {
    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let headerSize = 512
    /// DIFAT entries that fit in the header; more FAT sectors need DIFAT sectors.
    static let headerDifatCount = 109
    static let directoryEntrySize = 128
    static let miniSectorSize = 64
    /// Streams strictly smaller than this live in the mini stream.
    static let miniStreamCutoff = 4096

    static let maxRegularSector: UInt32 = 0xFFFF_FFFA
    static let difatSector: UInt32 = 0xFFFF_FFFC
    static let fatSector: UInt32 = 0xFFFF_FFFD
    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let freeSector: UInt32 = 0xFFFF_FFFF
    static let noStream: UInt32 = 0xFFFF_FFFF

    /// The largest stream a version 3 file may hold ([MS-CFB] 2.6.3).
    static let version3MaxStreamSize = 0x8000_0000

    /// Object types of a directory entry.
    enum ObjectType: UInt8 {
        case unused = 0
        case storage = 1
        case stream = 2
        case root = 5
    }

    /// Checks the naming rules of [MS-CFB] 2.6.1: 1 to 31 UTF-16 code units, none of `/ \ : !`.
    static func validate(name: String) throws(VaultCryptoError) {
        let units = Array(name.utf16)
        guard !units.isEmpty, units.count <= 31 else {
            throw VaultCryptoError(.invalidInput, "compound-file entry names have 1 to 31 characters")
        }
        for unit in units where unit == 0x2F || unit == 0x5C || unit == 0x3A || unit == 0x21 || unit == 0 {
            throw VaultCryptoError(.invalidInput, "compound-file entry names cannot contain / \\ : ! or NUL")
        }
    }

    /// The sibling order of [MS-CFB] 2.6.4: shorter names first, then code unit by code unit after upper-casing.
    static func precedes(_ lhs: [UInt16], _ rhs: [UInt16]) -> Bool {
        if lhs.count != rhs.count { return lhs.count < rhs.count }
        for (left, right) in zip(lhs, rhs) {
            let upperLeft = upper(left)
            let upperRight = upper(right)
            if upperLeft != upperRight { return upperLeft < upperRight }
        }
        return false
    }

    /// Whether two names are the same entry name (the format is case-insensitive).
    static func sameName(_ lhs: [UInt16], _ rhs: [UInt16]) -> Bool {
        lhs.count == rhs.count && !precedes(lhs, rhs) && !precedes(rhs, lhs)
    }

    /// Simple (one-to-one) upper-case mapping of one UTF-16 code unit; surrogates and code units whose
    /// upper case is not a single BMP code unit stay as they are.
    static func upper(_ unit: UInt16) -> UInt16 {
        if unit >= 0x61 && unit <= 0x7A { return unit - 0x20 }
        guard unit >= 0x80, let scalar = Unicode.Scalar(unit) else { return unit }
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        guard mapped.count == 1, let only = mapped.first, only.value <= 0xFFFF else { return unit }
        return UInt16(only.value)
    }
}
