import Foundation
import Testing

@testable import MessageGateway

@Suite("Gateway template")
struct GatewayTemplateTests {
    @Test func valuesAreFilledInAndEscaped() throws {
        let template = try GatewayTemplate(#"{"to": "{phone}", "text": "[판매자센터] 인증번호 {code} ({minutes}분 유효)", "ttl": {minutes}}"#)
        let body = template.render(phone: "+821012345678", code: "012345", minutes: 3)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["to"] as? String == "+821012345678")
        #expect(json["text"] as? String == "[판매자센터] 인증번호 012345 (3분 유효)")
        #expect(json["ttl"] as? Int == 3)
        let hostile = template.render(phone: "\"}, \"admin\": true, \"x\": \"", code: "1", minutes: 3)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(hostile.utf8)) as? [String: Any])
        #expect(parsed["admin"] == nil)
    }

    @Test func brokenTemplatesAreRefusedAtLoad() {
        let unknown = #expect(throws: GatewayTemplateError.self) { try GatewayTemplate(#"{"to": "{phone}", "x": "{name}"}"#) }
        #expect(unknown?.description.contains("{name}") == true)
        let notJSON = #expect(throws: GatewayTemplateError.self) { try GatewayTemplate(#"{"to": {phone}}"#) }
        #expect(notJSON?.description.contains("not valid JSON") == true)
    }
}
