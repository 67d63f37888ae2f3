import HTTPTypes
import Hummingbird

/// A response the proxy has finished producing, told to the recorder before its last bytes go out.
public struct CompletedResponse: Sendable {
    /// Site, method, path (no query), status, headers as sent, and the gates' attachments.
    public let response: ResponseDescription
    public let requestID: String
    public let clientAddress: IPAddress?
    public let userAgent: String?
    /// What the response's transform reported (masking counts and subject keys, an export's record), if any.
    public let transformReport: (any Sendable)?

    public init(response: ResponseDescription, requestID: String, clientAddress: IPAddress?, userAgent: String?,
                transformReport: (any Sendable)?) {
        self.response = response
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.transformReport = transformReport
    }
}

/// The seam through which access records are written: once per proxied response, after its body has passed the
/// transform and before the response completes.
///
/// A recorder that throws refuses the response: before the head is sent the browser gets an error page, after it
/// the connection is cut before the last bytes, so a response whose record could not be written never completes.
/// The data path does not know what is recorded or where.
public protocol ResponseRecorder: Sendable {
    func record(_ response: CompletedResponse) async throws
}

/// Records nothing: the default until policy plugs in.
public struct NoRecorder: ResponseRecorder {
    public init() {}
    public func record(_ response: CompletedResponse) async throws {}
}
