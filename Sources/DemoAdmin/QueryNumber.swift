import Hummingbird

/// A whole-number query parameter (`page`, `size`, `mb`) that is not one, or lies outside its range.
///
/// The admin reads every number a request carries through `QueryNumber.value`, which checks the range before any
/// arithmetic: `page=9223372036854775807` once reached `(page - 1) * size` and the overflow trap ended the process.
/// An absent or empty parameter takes its default; anything else out of range is answered 400, naming the parameter.
struct QueryNumber: Error, Sendable, Equatable {
    let name: String
    let range: ClosedRange<Int>

    /// The value of `name` in the request's query, within `range`; `fallback` when absent or empty.
    static func value(_ request: Request, _ name: String, in range: ClosedRange<Int>, default fallback: Int)
        throws(QueryNumber) -> Int
    {
        try self.parse(request.uri.queryParameters.get(name), name, in: range, default: fallback)
    }

    /// Only ASCII digits, at most as many as the range's upper bound has (so the conversion cannot overflow).
    static func parse(_ text: String?, _ name: String, in range: ClosedRange<Int>, default fallback: Int)
        throws(QueryNumber) -> Int
    {
        guard let text, !text.isEmpty else { return fallback }
        let digits = text.utf8
        guard digits.count <= String(range.upperBound).utf8.count,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(text), range.contains(value)
        else { throw QueryNumber(name: name, range: range) }
        return value
    }

    var message: String { "\(self.name) 값은 \(self.range.lowerBound)부터 \(self.range.upperBound)까지의 정수여야 합니다." }

    /// 400: `{"error":"invalid_query","field":…,"message":…}` for the APIs, the admin's error page otherwise.
    func response(json: Bool) -> Response {
        if json {
            return Responses.json(["error": "invalid_query", "field": self.name, "message": self.message], status: .badRequest)
        }
        return Responses.html(Page.simple(title: "잘못된 요청", message: self.message), status: .badRequest)
    }
}
