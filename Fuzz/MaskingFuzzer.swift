// libFuzzer target for the HTML and JSON scanners (and, with the same input, text and CSV).
//
// Built by Fuzz/run.sh with `swiftc -sanitize=fuzzer,address` together with Sources/PIIMasking, so it exercises
// the real detectors and scanners. For every input it checks three promises and crashes (so libFuzzer keeps the
// input) when one breaks:
//   1. no crash, no memory error (AddressSanitizer);
//   2. whatever a scanner returns is valid UTF-8, or the scanner refused the body with a MaskingError;
//   3. chunking does not matter: the body fed whole and fed in pieces (sizes taken from the input) give the
//      same bytes, or both refuse it.

let fuzzMasker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)

enum FuzzOutcome: Equatable {
    case output([UInt8])
    case refused
}

func fuzzRun(_ make: () -> any BodyMasker, _ body: [UInt8], chunkSizes: [Int]) -> FuzzOutcome {
    do {
        return .output(try make().maskWhole(body, chunkSizes: chunkSizes))
    } catch {
        return .refused
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMasking(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte chooses chunk sizes (1…16 bytes, or a few larger ones); the rest is the body.
    let seed = Int(bytes[0])
    let chunks = seed < 128 ? [seed % 16 + 1] : [seed % 7 + 1, seed % 61 + 3, 1, 4093]
    let body = Array(bytes.dropFirst())
    let makers: [() -> any BodyMasker] = [
        { HTMLBodyMasker(masker: fuzzMasker) },
        { JSONBodyMasker(masker: fuzzMasker) },
        { TextBodyMasker(masker: fuzzMasker) },
        { DelimitedBodyMasker(masker: fuzzMasker, separator: UInt8(ascii: ",")) },
    ]
    for make in makers {
        let whole = fuzzRun(make, body, chunkSizes: [])
        let pieces = fuzzRun(make, body, chunkSizes: chunks)
        if case .output(let output) = whole {
            precondition(String(validating: output, as: UTF8.self) != nil, "a scanner produced invalid UTF-8")
        }
        precondition(whole == pieces, "chunking changed the output")
    }
    return 0
}
