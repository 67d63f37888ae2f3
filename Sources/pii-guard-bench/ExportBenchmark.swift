import ExportVault
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `pii-guard-bench export IN.csv OUT.xlsx PASSWORD_FILE [PLAIN.xlsx]`: converts and encrypts a CSV export exactly as
/// the proxy does (`ExportPackager`, 1 MiB chunks, spin count 100,000) and prints the time and this process's peak
/// RSS. With PLAIN.xlsx it first writes the unencrypted workbook (same converter) for tools that encrypt a plain
/// .xlsx, such as msoffcrypto-tool, to be measured on the same input.
func exportBenchmark(_ arguments: [String]) {
    guard arguments.count == 3 || arguments.count == 4 else { usage() }
    let (input, output, passwordFile) = (arguments[0], arguments[1], arguments[2])
    guard let passwordData = FileManager.default.contents(atPath: passwordFile), let handle = FileHandle(forReadingAtPath: input)
    else {
        FileHandle.standardError.write(Data("cannot read \(input) or \(passwordFile)\n".utf8))
        exit(1)
    }
    let password = String(decoding: passwordData, as: UTF8.self).trimmingCharacters(in: .newlines)
    let started = ContinuousClock.now
    let packager = ExportPackager(contentType: "text/csv", fileName: (input as NSString).lastPathComponent,
                                  sheetName: "export", password: password)
    do {
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try packager.feed(chunk) }
        let result = try packager.finish()
        try Data(result.file).write(to: URL(fileURLWithPath: output))
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "pii-guard  %7d rows  convert+encrypt %6.2f s  peak RSS %6.1f MB  output %6.1f MB",
                     result.rowCount ?? 0, seconds, Double(usage.ru_maxrss) / 1024, Double(result.file.count) / 1_048_576))
        if arguments.count == 4 {
            _ = try ExportConversion.xlsx(fromCSV: URL(fileURLWithPath: input), sheetName: "export",
                                      to: URL(fileURLWithPath: arguments[3]))
        }
    } catch {
        FileHandle.standardError.write(Data("export failed: \(error)\n".utf8))
        exit(1)
    }
}
