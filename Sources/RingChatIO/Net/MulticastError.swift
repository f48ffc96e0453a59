/// Why a multicast socket could not be set up or used.
public struct MulticastError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Not an IPv4 address in 224.0.0.0/4.
        case invalidGroup
        /// Port missing, zero or out of range.
        case invalidPort
        /// Neither an IPv4 address nor a known interface name.
        case invalidInterface
        /// A datagram larger than UDP can carry.
        case datagramTooLarge
        /// A system call failed.
        case system(SystemError)
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String {
        if case .system(let e) = reason { return "\(message): \(e)" }
        return message
    }
}
