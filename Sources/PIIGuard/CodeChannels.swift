import Foundation
import Logging
import MailDelivery
import MessageGateway
import SecondFactor

/// The second factor's `CodeDelivery`, filled with the configured channels: SMS and messenger through their HTTP
/// gateways, e-mail through SMTP, and in the demo the dev outbox for any channel without a real one.
///
/// Logs say which channel and what became of it; never the number, the address or the code.
struct CodeChannels: CodeDelivery {
    let sms: MessageGateway?
    let messenger: MessageGateway?
    let mail: (mailer: SMTPMailer, from: String, fromName: String?)?
    let outbox: DevOutbox?
    let logger: Logger

    /// The channels a person may register: the app always, SMS and messenger when they can be delivered.
    var registrable: [FactorChannel] {
        var channels: [FactorChannel] = [.totp]
        if self.sms != nil || self.outbox != nil { channels.append(.sms) }
        if self.messenger != nil || self.outbox != nil { channels.append(.messenger) }
        return channels
    }

    func deliver(code: String, minutes: Int, to destination: CodeDestination, account: String) async -> DeliveryOutcome {
        switch destination {
        case .sms(let phone), .messenger(let phone):
            let gateway = if case .sms = destination { self.sms } else { self.messenger }
            guard let gateway else { return await self.toOutbox(code: code, minutes: minutes, to: destination, account: account) }
            switch await gateway.send(phone: phone.e164, code: code, minutes: minutes) {
            case .accepted: return .sent
            case .undeliverable(_, let reason): return .undeliverable(reason: reason)
            case .failed(let reason, _): return .failed(reason: reason)
            }
        case .email(let email):
            guard let mail = self.mail else { return await self.toOutbox(code: code, minutes: minutes, to: destination, account: account) }
            let message = MailMessage(
                from: mail.from, fromName: mail.fromName, to: [email.address],
                subject: "[pii-guard] 추가 인증번호 / verification code",
                body: """
                    판매자 센터 개인정보 메뉴 추가 인증번호입니다.

                        인증번호: \(code)

                    \(minutes)분 동안 한 번만 쓸 수 있습니다. 본인이 요청하지 않았다면 이 메일을 무시하고 계정 비밀번호를 바꿔 주세요.
                    계정: \(account)

                    Your verification code for the seller admin's personal-information menus: \(code)
                    It works once, for \(minutes) minutes. If you did not ask for it, ignore this e-mail and change your password.
                    """)
            do {
                try await mail.mailer.send(message)
                return .sent
            } catch {
                self.logger.warning("e-mail code not sent", metadata: ["stage": "\(error.stage.rawValue)"])
                return .failed(reason: "smtp \(error.stage.rawValue)")
            }
        }
    }

    func notifyRegistrationChanged(to email: EmailAddress, account: String) async {
        guard let mail = self.mail else {
            await self.outbox?.notifyRegistrationChanged(to: email, account: account)
            return
        }
        let message = MailMessage(
            from: mail.from, fromName: mail.fromName, to: [email.address],
            subject: "[pii-guard] 추가 인증 정보가 바뀌었습니다 / second-factor settings changed",
            body: """
                계정 \(account)의 추가 인증 정보(인증 수단, 휴대전화, 비상 이메일 또는 인증 주기)가 바뀌었습니다.
                본인이 바꾼 것이 아니라면 즉시 판매자 센터 비밀번호를 바꾸고 보안 담당자에게 알려 주세요.

                The second-factor settings of account \(account) (channel, phone, emergency e-mail or cycle) changed.
                If this was not you, change your seller password now and tell your security contact.
                """)
        do {
            try await mail.mailer.send(message)
        } catch {
            self.logger.warning("change notice not sent", metadata: ["stage": "\(error.stage.rawValue)"])
        }
    }

    private func toOutbox(code: String, minutes: Int, to destination: CodeDestination, account: String) async -> DeliveryOutcome {
        guard let outbox = self.outbox else { return .failed(reason: "\(destination.channelName) is not configured") }
        return await outbox.deliver(code: code, minutes: minutes, to: destination, account: account)
    }
}
