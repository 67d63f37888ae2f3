import GuardProxy
import HummingbirdWebSocket
import PIIMasking

/// Masks the 1:1 chat's frames from the admin to the browser: each complete text message (JSON or plain text) goes
/// through the same masker as the menu's pages. Binary messages on a personal-information menu are refused (the
/// connection closes), since they cannot be read and so cannot be masked.
public struct MaskingWebSocketTransformer: WebSocketTransformer {
    let rules: @Sendable () -> MaskingRules
    let report: any MaskingReportSink

    public init(rules: @escaping @Sendable () -> MaskingRules, report: any MaskingReportSink) {
        self.rules = rules
        self.report = report
    }

    public func makeTransform(siteName: String, path: String) throws -> (any WebSocketMessageTransform)? {
        let rules = self.rules()
        guard let menu = rules.menuForPath(siteName, path), let masker = rules.maskers[menu] else { return nil }
        return MessageMasker(masker: masker, site: siteName, menu: menu, report: self.report)
    }

    struct MessageMasker: WebSocketMessageTransform {
        let masker: TextMasker
        let site: String
        let menu: String
        let report: any MaskingReportSink

        func fromUpstream(_ message: WebSocketMessage) throws -> WebSocketMessage {
            switch message {
            case .text(let text):
                var tally = MaskTally()
                let masked: [UInt8]
                do {
                    masked = try WebSocketTextMasker(masker: self.masker).mask(Array(text.utf8), tally: &tally)
                } catch {
                    self.report.record(MaskingRefusal(site: self.site, menu: self.menu, contentKind: "websocket",
                                                      reason: error.kind))
                    throw error
                }
                if tally.total > 0 {
                    self.report.record(MaskingSummary(site: self.site, menu: self.menu, contentKind: "websocket", tally: tally))
                }
                return .text(String(decoding: masked, as: UTF8.self))
            case .binary:
                self.report.record(MaskingRefusal(site: self.site, menu: self.menu, contentKind: "websocket", reason: .malformed))
                throw MaskingError(.malformed, "a binary WebSocket message on a personal-information menu cannot be masked")
            }
        }
    }
}
