import AsyncHTTPClient
import Foundation
import GuardTestSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import MessageGateway

/// A stand-in provider on loopback that records what it was sent and answers per path.
final class FakeProvider: Sendable {
    struct Received: Sendable { let path: String; let authorization: String?; let body: String }
    let received = Mutex<[Received]>([])
    let flakyCalls = Mutex(0)

    func application(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        let recorder = self
        router.post("{kind}") { request, context -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let kind = context.parameters.get("kind") ?? ""
            recorder.received.withLock {
                $0.append(Received(path: kind, authorization: request.headers[.authorization], body: body))
            }
            let json: HTTPFields = [.contentType: "application/json"]
            switch kind {
            case "ok": return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"result":"OK"}"#)))
            case "changed":
                return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"result":"RECIPIENT_CHANGED"}"#)))
            case "gone": return Response(status: .gone)
            case "bad": return Response(status: .badRequest)
            case "flaky":
                let call = recorder.flakyCalls.withLock { count -> Int in count += 1; return count }
                return Response(status: call == 1 ? .serviceUnavailable : .ok)
            case "slow":
                try await Task.sleep(for: .seconds(2))
                return Response(status: .ok)
            default: return Response(status: .notFound)
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: Logger(label: "provider"))
    }
}

@Suite("Message gateway", .serialized)
struct MessageGatewayTests {
    func withProvider(_ body: @Sendable (FakeProvider, Int, HTTPClient) async throws -> Void) async throws {
        let provider = FakeProvider()
        let port = PortBox()
        try await TestServices.run(provider.application { await port.set($0) }, port: port) { port in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await body(provider, port, client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    /// Generous timeout for answers that come at once (the machine may be busy); the slow test sets a short one.
    func configuration(_ port: Int, _ path: String, timeout: Duration = .seconds(5)) throws -> GatewayConfiguration {
        let key = try GatewayConfiguration.resolveSecret("env:SMS_KEY", environment: ["SMS_KEY": "Bearer test-key"])
        return GatewayConfiguration(
            url: "http://127.0.0.1:\(port)/\(path)", headers: [("Authorization", key)],
            template: try GatewayTemplate(#"{"to":"{phone}","text":"인증번호 {code} ({minutes}분)"}"#),
            timeout: timeout, retries: 1, undeliverableStatuses: [410],
            resultField: "result", undeliverableValues: ["RECIPIENT_CHANGED"])
    }

    @Test func aCodeIsHandedOverWithTheRenderedBodyAndCredentials() async throws {
        try await self.withProvider { provider, port, client in
            let gateway = MessageGateway(configuration: try self.configuration(port, "ok"), client: client, logger: Logger(label: "t"))
            let result = await gateway.send(phone: "+821012345678", code: "042137", minutes: 3)
            #expect(result == .accepted(status: 200, attempts: 1))
            let received = try #require(provider.received.withLock { $0.first })
            #expect(received.authorization == "Bearer test-key")
            let json = try JSONSerialization.jsonObject(with: Data(received.body.utf8)) as? [String: String]
            #expect(json == ["to": "+821012345678", "text": "인증번호 042137 (3분)"])
        }
    }

    @Test func undeliverableRecipientsAreRecognisedByStatusOrResult() async throws {
        try await self.withProvider { _, port, client in
            let changed = await MessageGateway(configuration: try self.configuration(port, "changed"), client: client,
                                               logger: Logger(label: "t")).send(phone: "+821012345678", code: "1", minutes: 3)
            #expect(changed == .undeliverable(status: 200, reason: "result=RECIPIENT_CHANGED"))
            let gone = await MessageGateway(configuration: try self.configuration(port, "gone"), client: client,
                                            logger: Logger(label: "t")).send(phone: "+821012345678", code: "1", minutes: 3)
            #expect(gone == .undeliverable(status: 410, reason: "status 410"))
        }
    }

    @Test func transientFailuresAreRetriedOnceAndClientErrorsNot() async throws {
        try await self.withProvider { provider, port, client in
            let flaky = await MessageGateway(configuration: try self.configuration(port, "flaky"), client: client,
                                             logger: Logger(label: "t")).send(phone: "+1", code: "1", minutes: 3)
            #expect(flaky == .accepted(status: 200, attempts: 2))
            let bad = await MessageGateway(configuration: try self.configuration(port, "bad"), client: client,
                                           logger: Logger(label: "t")).send(phone: "+1", code: "1", minutes: 3)
            #expect(bad == .failed(reason: "status 400", attempts: 1))
            let slow = await MessageGateway(configuration: try self.configuration(port, "slow", timeout: .milliseconds(500)), client: client,
                                            logger: Logger(label: "t")).send(phone: "+1", code: "1", minutes: 3)
            guard case .failed(let reason, let attempts) = slow else { Issue.record("expected a failure, got \(slow)"); return }
            #expect(attempts == 2)
            #expect(!reason.contains("+1"))
            #expect(provider.received.withLock { $0.filter { $0.path == "slow" }.count } == 2)
        }
    }

    @Test func secretsComeFromTheEnvironmentOrAFileNeverInline() throws {
        #expect(try GatewayConfiguration.resolveSecret("env:KEY", environment: ["KEY": "abc"]) == "abc")
        #expect(throws: GatewayError.self) { try GatewayConfiguration.resolveSecret("env:MISSING", environment: [:]) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)").path
        try "file-secret\nignored\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try GatewayConfiguration.resolveSecret("file:" + path) == "file-secret")
        #expect(throws: GatewayError.self) { try GatewayConfiguration.resolveSecret("file:/nonexistent/secret") }
    }
}
