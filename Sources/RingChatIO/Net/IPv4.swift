#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IPv4 address helpers shared by the socket and the CLI's parsing.
enum IPv4 {
    /// A dotted quad as an `in_addr` (network order), or nil.
    static func parse(_ text: String) -> in_addr? {
        var addr = in_addr()
        guard text.utf8.count <= 15, inet_pton(AF_INET, text, &addr) == 1 else { return nil }
        return addr
    }

    /// The address in host order, for range checks.
    static func hostOrder(_ a: in_addr) -> UInt32 { UInt32(bigEndian: a.s_addr) }

    static func isMulticast(_ a: in_addr) -> Bool { hostOrder(a) >> 28 == 0xE }

    static func isLoopback(_ a: in_addr) -> Bool { hostOrder(a) >> 24 == 127 }

    static func text(_ a: in_addr) -> String {
        let h = hostOrder(a)
        return "\(h >> 24).\((h >> 16) & 0xFF).\((h >> 8) & 0xFF).\(h & 0xFF)"
    }

    /// An interface given as an IPv4 address or as a name (`lo`, `eth0`),
    /// resolved to its first IPv4 address.
    static func resolveInterface(_ spec: String) throws(MulticastError) -> in_addr {
        if let a = parse(spec) { return a }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else {
            throw MulticastError(.system(SystemError("getifaddrs")), "cannot list network interfaces")
        }
        defer { freeifaddrs(list) }
        var names: [String] = []
        var p = list
        while let cur = p {
            defer { p = cur.pointee.ifa_next }
            guard let sa = cur.pointee.ifa_addr, let cname = cur.pointee.ifa_name else { continue }
            let name = String(cString: cname)
            guard sa.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            if !names.contains(name) { names.append(name) }
            if name == spec {
                return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            }
        }
        throw MulticastError(.invalidInterface,
            "interface '\(spec)' is neither an IPv4 address nor an interface with an IPv4 address (have: \(names.joined(separator: ", ")))")
    }
}
