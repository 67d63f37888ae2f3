/// The `\x06DataSpaces` storage of an encrypted OOXML document ([MS-OFFCRYPTO] 2.1, 2.3.4.1–2.3.4.3).
///
/// Office and LibreOffice write it next to EncryptionInfo and EncryptedPackage; it says that the
/// EncryptedPackage stream is transformed by the "StrongEncryptionTransform". Readers such as msoffcrypto-tool
/// ignore it, but Office expects it, so the writer always includes it. The content is fixed.
enum DataSpaces {
    static let storageName = "\u{06}DataSpaces"
    static let dataSpaceName = "StrongEncryptionDataSpace"
    static let transformName = "StrongEncryptionTransform"

    /// Each stream of the storage: its path below the root and its bytes.
    static var streams: [(path: [String], bytes: [UInt8])] {
        [
            ([storageName, "Version"], version),
            ([storageName, "DataSpaceMap"], dataSpaceMap),
            ([storageName, "DataSpaceInfo", dataSpaceName], dataSpaceDefinition),
            ([storageName, "TransformInfo", transformName, "\u{06}Primary"], primaryTransform),
        ]
    }

    /// Reader, updater and writer versions, each 1.0 (major and minor as 16-bit integers).
    private static func appendVersions(_ bytes: inout [UInt8]) {
        for _ in 0..<3 {
            bytes.appendLE16(1)
            bytes.appendLE16(0)
        }
    }

    /// DataSpaceVersionInfo (2.1.5): the feature "Microsoft.Container.DataSpaces", versions 1.0.
    static var version: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendUnicodeLengthPrefixedPadded("Microsoft.Container.DataSpaces")
        appendVersions(&bytes)
        return bytes
    }

    /// DataSpaceMap (2.1.6): one entry mapping the stream "EncryptedPackage" to the StrongEncryptionDataSpace.
    static var dataSpaceMap: [UInt8] {
        var entry: [UInt8] = []
        entry.appendLE32(1)                                   // reference component count
        entry.appendLE32(0)                                   // component type: stream
        entry.appendUnicodeLengthPrefixedPadded("EncryptedPackage")
        entry.appendUnicodeLengthPrefixedPadded(dataSpaceName)
        var bytes: [UInt8] = []
        bytes.appendLE32(8)                                   // header length
        bytes.appendLE32(1)                                   // entry count
        bytes.appendLE32(UInt32(entry.count + 4))             // entry length, its own field included
        bytes.append(contentsOf: entry)
        return bytes
    }

    /// DataSpaceDefinition (2.1.7): the data space applies the StrongEncryptionTransform.
    static var dataSpaceDefinition: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLE32(8)                                   // header length
        bytes.appendLE32(1)                                   // transform reference count
        bytes.appendUnicodeLengthPrefixedPadded(transformName)
        return bytes
    }

    /// TransformInfoHeader (2.1.8) and EncryptionTransformInfo (2.1.9) of the ECMA-376 encryption transform.
    static var primaryTransform: [UInt8] {
        var identified: [UInt8] = []
        identified.appendLE32(1)                              // transform type
        identified.appendUnicodeLengthPrefixedPadded("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}")
        var bytes: [UInt8] = []
        bytes.appendLE32(UInt32(identified.count + 4))        // length up to the transform name
        bytes.append(contentsOf: identified)
        bytes.appendUnicodeLengthPrefixedPadded("Microsoft.Container.EncryptionTransform")
        appendVersions(&bytes)
        bytes.appendLE32(0)                                   // EncryptionName: empty
        bytes.appendLE32(0)                                   // EncryptionBlockSize
        bytes.appendLE32(0)                                   // CipherMode
        bytes.appendLE32(4)                                   // Reserved, 4 as the spec requires
        return bytes
    }
}
