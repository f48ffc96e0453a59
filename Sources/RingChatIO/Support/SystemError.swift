#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which call, on what, and the errno text, so that a
/// message on screen is enough to diagnose it without a debugger.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The failing call, e.g. `setsockopt(IP_ADD_MEMBERSHIP)`.
    public var call: String
    /// The errno value, or 0 when the failure is not an errno one.
    public var code: Int32
    /// Extra context (a path, an address).
    public var context: String

    public init(_ call: String, code: Int32 = errno, context: String = "") {
        self.call = call
        self.code = code
        self.context = context
    }

    public var description: String {
        let on = context.isEmpty ? "" : " (\(context))"
        return "\(call) failed\(on): \(errnoText(code))"
    }
}

/// `strerror` text for an errno value.
public func errnoText(_ code: Int32) -> String {
    guard let p = strerror(code) else { return "errno \(code)" }
    return String(cString: p) + " (errno \(code))"
}
