extension LoadedConfiguration {
    /// What `serve` makes of `second_factor.dev_outbox: true`.
    ///
    /// The dev outbox keeps every code in memory and shows it at `/__guard/dev/outbox` to anyone who asks: a second
    /// factor anyone can read. Turned on by mistake (a demo file copied to production), nothing else would say so,
    /// because codes still "arrive" and every flow works. So `serve` warns loudly, and refuses to start when real
    /// channels are configured beside it: that file was meant for production, and the outbox would take the codes of
    /// every channel left out, or hide a channel that does not work.
    ///
    /// - Returns: the warning to log and print, or nil when the outbox is off (or the second factor is).
    /// - Throws: a `ConfigurationError` at the `dev_outbox` line when SMS, messenger or SMTP is configured too.
    public func devOutboxUnderServe() throws(ConfigurationError) -> String? {
        let settings = self.configuration.secondFactor
        guard settings.enabled, settings.devOutbox else { return nil }
        var real: [String] = []
        if settings.channels.sms != nil { real.append("sms (gateway)") }
        if settings.channels.messenger != nil { real.append("messenger (gateway)") }
        if settings.channels.email != nil { real.append("email (SMTP)") }
        if !real.isEmpty {
            throw ConfigurationError(
                file: self.file, line: self.devOutboxMark?.line, column: self.devOutboxMark?.column,
                field: "second_factor.dev_outbox", message: """
                    is true while real channels are configured (\(real.joined(separator: ", "))): the dev outbox \
                    shows codes to anyone at /__guard/dev/outbox and is for `pii-guard demo` only. Remove \
                    'dev_outbox: true' (or the channels, for a test machine)
                    """)
        }
        let location = self.file + (self.devOutboxMark.map { ":\($0.line)" } ?? "")
        return """
            second_factor.dev_outbox is true (\(location)): verification codes are NOT sent to anyone; they are kept \
            in memory and shown to ANYONE at /__guard/dev/outbox, so the second factor protects nothing. For a \
            demo only: never use this file in production.
            """
    }
}
