// libFuzzer target for the JSON API bodies under /__guard/api/ (docs/API.md).
//
// Built by Fuzz/run.sh with `swiftc -sanitize=fuzzer,address` together with Sources/SecondFactorWeb/APIBodies.swift:
// the very functions `APIRoutes` and `ExportRoutes` call on every body before anything else reads it. The first
// byte picks the endpoint and the guard's cycle; the rest is the body. For every input it checks, and crashes (so
// libFuzzer keeps the input) when one breaks:
//   1. no crash, no overflow trap, no memory error (AddressSanitizer);
//   2. an accepted `settings` cycle lies between 10 minutes and the guard's cycle, in whole minutes;
//   3. a refusal is `bad_request` or `invalid_cycle`, with a sentence in both languages that quotes the field it
//      names, and the same body gives the same answer twice.
import Foundation

/// The guard's `cycle` in minutes: the shortest allowed, the default (12 h), the longest a configuration takes.
let fuzzCycles = [10, 720, 3650 * 24 * 60]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPIBodies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let endpoints = APIEndpoint.allCases
    let endpoint = endpoints[Int(bytes[0]) % endpoints.count]
    let longest = fuzzCycles[Int(bytes[0] >> 6) % fuzzCycles.count]
    let body = Data(bytes.dropFirst())

    let first: Result<APIBody, APIBodyError>
    do {
        first = .success(try APIBodies.parse(endpoint, body, longestCycleMinutes: longest))
    } catch {
        first = .failure(error)
    }
    switch first {
    case .success(.settings(let seconds?)):
        precondition(seconds % 60 == 0 && seconds >= 600 && seconds <= Int64(longest) * 60, "a cycle out of range passed")
    case .success:
        break
    case .failure(let error):
        precondition(["bad_request", "invalid_cycle"].contains(error.code), "unknown error code \(error.code)")
        precondition(!error.korean.isEmpty && !error.english.isEmpty, "a refusal without a message")
        if let field = error.field {
            precondition(error.english.contains("'\(field)'") && error.korean.contains("'\(field)'"),
                         "a refusal that names a field does not quote it")
        }
    }
    let again: Result<APIBody, APIBodyError>
    do {
        again = .success(try APIBodies.parse(endpoint, body, longestCycleMinutes: longest))
    } catch {
        again = .failure(error)
    }
    precondition(first == again, "the same body parsed differently")
    return 0
}
