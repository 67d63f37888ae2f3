import HTTPTypes
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore

/// Relays a browser's WebSocket to the site's upstream, message by message.
///
/// Message-level (not byte-level) relaying is deliberate: the chat's server-to-browser messages must pass the policy's
/// message transform (masking) whole, and a frame split across TCP reads must not slip through unexamined.
struct WebSocketRelay: Sendable {
    let configuration: ProxyConfiguration
    let hooks: ProxyHooks
    let logger: Logger

    /// How often an open channel asks the gate again whether it may go on.
    static let recheckInterval: Duration = .seconds(3)

    /// Headers from the browser's upgrade request that the upstream needs to know who is calling.
    static let forwardedNames: [HTTPField.Name] = [.cookie, .userAgent, .acceptLanguage, .authorization]

    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        // The same canonical request as every other: site, authority and target resolved once, or no upgrade.
        guard case .success(let canonical) = CanonicalRequest.resolve(head, configuration: self.configuration) else {
            return .dontUpgrade
        }
        let head = canonical.applied(to: head)
        let site = canonical.site
        let authority = canonical.authority.text
        let requestID = RequestIdentifier.make()
        let peer = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
        let client = HeaderPolicy.clientAddress(
            peer: peer, headers: head.headerFields, trusted: self.configuration.trustedProxies)
        let path = canonical.target.originForm
        let messageTransform: (any WebSocketMessageTransform)?
        do {
            messageTransform = try self.hooks.webSocketTransformer.makeTransform(
                siteName: site.name, path: canonical.target.path)
        } catch {
            return .dontUpgrade
        }
        let gateRequest = GateRequest(
            siteName: site.name, method: head.method, path: canonical.target.path, query: canonical.target.query,
            headers: head.headerFields, clientAddress: client, isWebSocket: true, requestID: requestID)
        let gate = self.hooks.gate
        let decision = await gate.admit(gateRequest)
        guard case .pass(let gateFields, let attachments, _) = decision else { return .dontUpgrade }
        // The opening of a live channel on a menu is an access too: recorded before the upgrade, or no upgrade.
        do {
            try await self.hooks.recorder.record(CompletedResponse(
                response: ResponseDescription(siteName: site.name, method: head.method, path: canonical.target.path,
                                              status: .switchingProtocols, headers: [:], attachments: attachments),
                requestID: requestID, clientAddress: client, userAgent: head.headerFields[.userAgent], transformReport: nil))
        } catch {
            self.logger.error("websocket refused: its access record could not be written",
                              metadata: ["request.id": "\(requestID)", "error.type": "\(type(of: error))"])
            return .dontUpgrade
        }
        var forwarded = HTTPFields()
        var browserFields = head.headerFields
        HeaderPolicy.removeGuardCookies(&browserFields)
        for name in Self.forwardedNames {
            let values = browserFields[values: name]
            if !values.isEmpty { forwarded[name] = values.joined(separator: name == .cookie ? "; " : ", ") }
        }
        let rewriter = OriginRewriter(upstream: site.upstream, publicOrigin: "https://\(authority)")
        if let origin = head.headerFields[.origin] {
            // The admin may check Origin; it knows itself under its own origin.
            forwarded[.origin] = origin == rewriter.publicOrigin ? site.upstream.shortOrigin : origin
        }
        let hop = (peer ?? client).map(\.description) ?? "unknown"
        forwarded[HeaderPolicy.forwardedFor] = hop
        forwarded[HeaderPolicy.forwardedProto] = "https"
        forwarded[HeaderPolicy.forwardedHost] = authority
        if let client { forwarded[HeaderPolicy.realIP] = client.description }
        forwarded[HeaderPolicy.requestID] = requestID
        for name in Set(gateFields.map(\.name)) { forwarded[values: name] = gateFields[values: name] }
        let scheme = site.upstream.scheme == "https" ? "wss" : "ws"
        let url = "\(scheme)://\(site.upstream.hostHeader)\(site.upstream.basePath)\(path)"
        let maxSize = self.configuration.limits.maxWebSocketMessageBytes
        let upstreamHeaders = forwarded
        let logger = self.logger
        let siteName = site.name

        return .upgrade([:]) { browserInbound, browserOutbound, _ in
            logger.info("websocket opened", metadata: ["request.id": "\(requestID)", "site": "\(siteName)"])
            var clientConfiguration = WebSocketClientConfiguration(maxFrameSize: maxSize, additionalHeaders: upstreamHeaders)
            clientConfiguration.autoPing = .disabled
            do {
                try await WebSocketClient.connect(url: url, configuration: clientConfiguration, logger: logger) {
                    upstreamInbound, upstreamOutbound, _ in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await message in browserInbound.messages(maxSize: maxSize) {
                                try await upstreamOutbound.write(message.outboundFrame)
                            }
                            try? await upstreamOutbound.close(.normalClosure, reason: nil)
                        }
                        group.addTask {
                            // The proof behind the channel is asked again while it is open; when it ends, so does
                            // the chat (policy violation, 1008), within `recheckInterval`.
                            while true {
                                try await Task.sleep(for: Self.recheckInterval)
                                if await !gate.stillAdmits(gateRequest, admitted: attachments) {
                                    logger.notice("websocket closed: the gate no longer admits it",
                                                  metadata: ["request.id": "\(requestID)", "site": "\(siteName)"])
                                    try? await browserOutbound.close(.policyViolation, reason: "second factor required")
                                    try? await upstreamOutbound.close(.normalClosure, reason: nil)
                                    return
                                }
                            }
                        }
                        group.addTask {
                            for try await message in upstreamInbound.messages(maxSize: maxSize) {
                                let passed = try messageTransform?.fromUpstream(message) ?? message
                                try await browserOutbound.write(passed.outboundFrame)
                            }
                            try? await browserOutbound.close(.normalClosure, reason: nil)
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                logger.notice("websocket relay ended with an error",
                              metadata: ["request.id": "\(requestID)", "error.type": "\(type(of: error))"])
                try? await browserOutbound.close(.unexpectedServerError, reason: "upstream unavailable")
            }
            logger.info("websocket closed", metadata: ["request.id": "\(requestID)", "site": "\(siteName)"])
        }
    }
}

extension WebSocketMessage {
    var outboundFrame: WebSocketOutboundWriter.OutboundFrame {
        switch self {
        case .text(let text): .text(text)
        case .binary(let buffer): .binary(buffer)
        }
    }
}
