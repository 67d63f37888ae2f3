import Foundation
import PIIMasking

// pii-guard-bench: throughput figures that the unit tests must not assert.
//
//   swift run -c release pii-guard-bench masking DIR
//
// DIR holds one file per content type: html, json, csv, txt (Benchmarks/masking-throughput.sh makes them from the
// labelled corpus, about 20 MB in all). Each is masked on one core, in 64 KiB chunks as the proxy sees a body, at
// least five times and for at least a second (a run of a 5 MB file takes some 30 ms, short enough for a shared
// machine's noise to move one run by a fifth); the best run's MB/s and the median run's are printed with the values
// masked per MB.

func usage() -> Never {
    FileHandle.standardError.write(Data("""
        usage: pii-guard-bench masking DIR
               pii-guard-bench export IN.csv OUT.xlsx PASSWORD_FILE [PLAIN.xlsx]
               pii-guard-bench audit RECORDS [APPENDERS] [normal|full]
               pii-guard-bench audit RECORDS [APPENDERS] postgres URL [SEED] [no-verify]
               pii-guard-bench audit-verify URL SEED

        """.utf8))
    exit(2)
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "export" {
    exportBenchmark(Array(arguments.dropFirst()))
    exit(0)
}
if arguments.first == "audit" {
    auditBenchmark(Array(arguments.dropFirst()))
    exit(0)
}
if arguments.first == "audit-verify" {
    auditVerifyBenchmark(Array(arguments.dropFirst()))
    exit(0)
}
guard arguments.first == "masking", arguments.count == 2, let directory = arguments.last else { usage() }

let masker = TextMasker(profile: MaskingProfile(), detectors: StandardDetectors.all)
let kinds: [(file: String, name: String, make: () -> any BodyMasker)] = [
    ("html", "HTML", { HTMLBodyMasker(masker: masker) }),
    ("json", "JSON", { JSONBodyMasker(masker: masker) }),
    ("csv", "CSV", { DelimitedBodyMasker(masker: masker, separator: UInt8(ascii: ",")) }),
    ("txt", "text", { TextBodyMasker(masker: masker) }),
]

print("pii-guard masking throughput — one core, 64 KiB chunks, best and median of at least 5 runs and 1 s")
var totalBytes = 0
var totalSeconds = 0.0
for kind in kinds {
    let path = directory + "/corpus." + kind.file
    guard let data = FileManager.default.contents(atPath: path) else {
        print("  \(kind.name): no \(path), skipped")
        continue
    }
    let body = Array(data)
    var times: [Double] = []
    var masked = 0
    while times.count < 5 || times.reduce(0, +) < 1.0 {
        let scanner = kind.make()
        let start = ContinuousClock.now
        var produced = 0
        do {
            produced = try scanner.maskWhole(body, chunkSizes: [65_536]).count
        } catch {
            print("  \(kind.name): refused (\(error))")
            exit(1)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        times.append(seconds)
        masked = scanner.tally.total
        precondition(produced > 0)
    }
    times.sort()
    let best = times[0]
    let median = times[times.count / 2]
    let megabytes = Double(body.count) / 1_048_576
    totalBytes += body.count
    totalSeconds += best
    print(String(format: "  %-5@ %7.1f MB in %6.3f s = %7.1f MB/s   (median %6.1f MB/s of %d runs; %d values masked, %.0f per MB)",
                 kind.name as NSString, megabytes, best, megabytes / best, megabytes / median, times.count, masked,
                 Double(masked) / megabytes))
}
if totalSeconds > 0 {
    print(String(format: "  all   %7.1f MB in %6.3f s = %7.1f MB/s", Double(totalBytes) / 1_048_576, totalSeconds,
                 Double(totalBytes) / 1_048_576 / totalSeconds))
}
