#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNetShim
import RingChatCore

/// A non-blocking UDP socket joined to one IPv4 multicast group on one
/// interface. Owned by the event loop thread.
///
/// The interface is explicit (default loopback) so that nothing leaves the
/// machine unless the user names a LAN interface; TTL defaults to 1 so that
/// even then nothing crosses a router.
public final class MulticastSocket {
    /// The largest UDP payload over IPv4.
    public static let maxDatagram = 65_507

    public let group: String
    public let port: UInt16
    /// The interface address actually used (resolved from a name if needed).
    public let interfaceAddress: String
    /// The descriptor, for registering with the event loop; -1 once closed.
    public private(set) var fd: Int32
    /// Datagrams the kernel refused for lack of buffer space (UDP is lossy;
    /// the protocol re-sends, so this is counted, not thrown).
    public private(set) var sendDrops = 0
    /// The source address of the datagram `receive()` returned last.
    public private(set) var lastSource = in_addr()
    /// `lastSource` as a dotted quad, for messages.
    public var lastSourceText: String { IPv4.text(lastSource) }

    private var destination: sockaddr_in
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// Opens, binds 0.0.0.0:`port` and joins `group` on `interface` (an IPv4
    /// address or an interface name such as `lo`).
    public init(group: String = "224.1.1.1", port: UInt16 = 5007,
                interface: String = "127.0.0.1", ttl: UInt8 = 1) throws(MulticastError) {
        guard let groupAddr = IPv4.parse(group), IPv4.isMulticast(groupAddr) else {
            throw MulticastError(.invalidGroup, "multicast group '\(group)' is not an IPv4 address in 224.0.0.0/4")
        }
        guard port != 0 else { throw MulticastError(.invalidPort, "multicast port must be 1-65535") }
        let ifAddr = try IPv4.resolveInterface(interface)

        self.group = group
        self.port = port
        self.interfaceAddress = IPv4.text(ifAddr)
        var dest = sockaddr_in()
        dest.sin_family = sa_family_t(AF_INET)
        dest.sin_port = port.bigEndian
        dest.sin_addr = groupAddr
        self.destination = dest

        #if canImport(Glibc)
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_DGRAM
        #endif
        let s = socket(AF_INET, type, 0)
        guard s >= 0 else { throw MulticastError(.system(SystemError("socket")), "cannot open UDP socket") }
        self.fd = s

        do throws(MulticastError) {
            try setOption(SOL_SOCKET, SO_REUSEADDR, Int32(1), "SO_REUSEADDR")
            try setOption(SOL_SOCKET, SO_REUSEPORT, Int32(1), "SO_REUSEPORT")
            // A bigger receive buffer absorbs bursts while the loop is busy
            // drawing; the kernel may cap it, which is fine.
            _ = try? setOption(SOL_SOCKET, SO_RCVBUF, Int32(4 << 20), "SO_RCVBUF")

            var bindAddr = sockaddr_in()
            bindAddr.sin_family = sa_family_t(AF_INET)
            bindAddr.sin_port = port.bigEndian
            bindAddr.sin_addr = in_addr(s_addr: 0)
            let rc = withUnsafePointer(to: &bindAddr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard rc == 0 else {
                throw MulticastError(.system(SystemError("bind", context: "0.0.0.0:\(port)")), "cannot bind UDP port \(port)")
            }

            let ipproto = Int32(IPPROTO_IP)
            #if canImport(Glibc)
            // Linux otherwise hands this socket every group joined by any
            // socket on the port; only our own group's traffic is wanted.
            _ = try? setOption(ipproto, IP_MULTICAST_ALL, Int32(0), "IP_MULTICAST_ALL")
            #endif
            var mreq = ip_mreq(imr_multiaddr: groupAddr, imr_interface: ifAddr)
            try setRaw(ipproto, IP_ADD_MEMBERSHIP, &mreq, "IP_ADD_MEMBERSHIP",
                       context: "group \(group) on \(interfaceAddress)")
            var ifa = ifAddr
            try setRaw(ipproto, IP_MULTICAST_IF, &ifa, "IP_MULTICAST_IF", context: interfaceAddress)
            // Several peers on one machine must hear each other.
            try setOption(ipproto, IP_MULTICAST_LOOP, UInt8(1), "IP_MULTICAST_LOOP")
            try setOption(ipproto, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL")
        } catch {
            Glibc.close(s)
            self.fd = -1
            throw error
        }
    }

    deinit { close() }

    /// Sends one datagram to the group. Returns false when the kernel had no
    /// buffer space (counted in `sendDrops`); throws on a real failure.
    @discardableResult
    public func send(_ bytes: [UInt8]) throws(MulticastError) -> Bool {
        guard bytes.count <= Self.maxDatagram else {
            throw MulticastError(.datagramTooLarge, "datagram of \(bytes.count) bytes exceeds \(Self.maxDatagram)")
        }
        guard fd >= 0 else { throw MulticastError(.system(SystemError("sendto", code: EBADF)), "socket is closed") }
        while true {
            let n = bytes.withUnsafeBytes { buf in
                withUnsafePointer(to: &destination) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buf.baseAddress, buf.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            if n >= 0 { return true }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                sendDrops += 1
                return false
            }
            throw MulticastError(.system(SystemError("sendto", code: e, context: "\(group):\(port)")), "cannot send to the group")
        }
    }

    /// Several datagrams in one sendmmsg() call (one syscall for all the
    /// packets a holder's turn produces). Returns how many were sent;
    /// a full buffer drops the rest, counted in `sendDrops`, as `send` does.
    public func sendMany(_ datagrams: [[UInt8]]) throws(MulticastError) -> Int {
        guard !datagrams.isEmpty else { return 0 }
        if datagrams.count == 1 { return try send(datagrams[0]) ? 1 : 0 }
        guard fd >= 0 else { throw MulticastError(.system(SystemError("sendmmsg", code: EBADF)), "socket is closed") }
        for d in datagrams where d.count > Self.maxDatagram {
            throw MulticastError(.datagramTooLarge, "datagram of \(d.count) bytes exceeds \(Self.maxDatagram)")
        }
        let count = datagrams.count
        let bufs = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: count)
        let lens = UnsafeMutablePointer<Int>.allocate(capacity: count)
        // Copies that stay put while the kernel reads them.
        let storage = datagrams.map { d -> UnsafeMutableBufferPointer<UInt8> in
            let b = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, d.count))
            _ = b.initialize(from: d)
            return b
        }
        defer {
            for b in storage { b.deallocate() }
            bufs.deallocate()
            lens.deallocate()
        }
        for i in 0..<count {
            bufs[i] = UnsafePointer(storage[i].baseAddress)
            lens[i] = datagrams[i].count
        }
        let n = withUnsafePointer(to: &destination) { rcn_send_many(fd, $0, bufs, lens, UInt32(count)) }
        let e = errno
        let sent = max(0, Int(n))
        if sent < count {
            if n >= 0 || e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                sendDrops += count - sent
                return sent
            }
            throw MulticastError(.system(SystemError("sendmmsg", code: e, context: "\(group):\(port)")), "cannot send to the group")
        }
        return sent
    }

    /// Has the kernel drop RingChat datagrams whose header names `sender`
    /// before they reach this socket: a node's own datagrams come back
    /// through multicast loopback (which must stay on for peers on the
    /// same machine), and each one cost a wake-up, a copy and a read only
    /// to be thrown away, a third of all reads on a ring of three.
    /// Returns false if the filter could not be attached (the node then
    /// drops its echoes itself, as before).
    @discardableResult
    public func dropDatagrams(from sender: UInt64) -> Bool {
        guard fd >= 0 else { return false }
        return rcn_filter_sender(fd, sender, UInt32(WireHeader.size), UInt32(WireHeader.magicOffset), WireHeader.magicWord,
                                 UInt32(WireHeader.senderOffset)) == 0
    }

    /// One datagram, or nil when none is waiting (EAGAIN) or the socket
    /// failed; call until nil after each readiness wake-up. Its sender's
    /// address is in `lastSource` until the next call.
    public func receive() -> [UInt8]? {
        guard fd >= 0 else { return nil }
        while true {
            var from = sockaddr_in()
            var fromLen = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { buf in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &fromLen) }
                }
            }
            if n >= 0 {
                lastSource = from.sin_addr
                return Array(buffer[0..<n])
            }
            if errno == EINTR { continue }
            return nil
        }
    }

    /// Closes the socket (leaving the group); safe to call twice.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Splits the CLI's `--group` value `ADDRESS[:PORT]` and validates both
    /// parts; the port defaults to `defaultPort`.
    public static func parseGroup(_ text: String, defaultPort: UInt16 = 5007) throws(MulticastError) -> (group: String, port: UInt16) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first.map(String.init), !host.isEmpty else {
            throw MulticastError(.invalidGroup, "--group must be ADDRESS[:PORT], e.g. 224.1.1.1:5007; got '\(text)'")
        }
        guard let a = IPv4.parse(host), IPv4.isMulticast(a) else {
            throw MulticastError(.invalidGroup, "--group address '\(host)' is not an IPv4 multicast address (224.0.0.0-239.255.255.255)")
        }
        var port = defaultPort
        if parts.count == 2 {
            guard let p = UInt16(parts[1]), p != 0 else {
                throw MulticastError(.invalidPort, "--group port '\(parts[1])' must be a number 1-65535")
            }
            port = p
        }
        return (host, port)
    }

    private func setOption<T: BitwiseCopyable>(_ level: Int32, _ name: Int32, _ value: T, _ label: String) throws(MulticastError) {
        var v = value
        try setRaw(level, name, &v, label)
    }

    private func setRaw<T: BitwiseCopyable>(_ level: Int32, _ name: Int32, _ value: inout T, _ label: String, context: String = "") throws(MulticastError) {
        let rc = withUnsafeBytes(of: &value) { setsockopt(fd, level, name, $0.baseAddress, socklen_t($0.count)) }
        guard rc == 0 else {
            throw MulticastError(.system(SystemError("setsockopt(\(label))", context: context)), "cannot configure multicast socket")
        }
    }
}
