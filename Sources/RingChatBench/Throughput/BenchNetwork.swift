#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage
import RingChatSession

/// Where the benchmark's nodes live: all on loopback, or one network
/// namespace per node, each with a veth into a bridge in a namespace of
/// its own (the anchors' net.sh recipe, under names of our own). Nothing is
/// created in the root namespace; `destroy()` deletes every namespace.
final class BenchNetwork {
    let namespaces: Bool
    private(set) var hosts: [String] = []
    private(set) var addresses: [String] = []
    private var created: [String] = []
    private let tag: String

    static var ip: String {
        for p in ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"] where access(p, X_OK) == 0 { return p }
        return "/usr/sbin/ip"
    }

    init(namespaces: Bool) {
        self.namespaces = namespaces
        tag = "rcb\(getpid() % 100_000)"
    }

    /// Makes room for `count` nodes (namespaces are made once and reused).
    func prepare(count: Int) throws(BenchError) {
        guard namespaces, hosts.count < count else { return }
        guard geteuid() == 0 else { throw BenchError("--netns needs root (network namespaces)") }
        let bridge = tag + "br"
        if created.isEmpty {
            try ip("netns", "add", bridge); created.append(bridge)
            try ip("-n", bridge, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
            try ip("-n", bridge, "link", "set", "br0", "up")
        }
        let net = "10.\(100 + getpid() % 150).\(1 + (getpid() / 150) % 250)"
        for i in hosts.count..<count {
            let ns = "\(tag)n\(i)"
            try ip("netns", "add", ns); created.append(ns)
            try ip("-n", ns, "link", "set", "lo", "up")
            try ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p\(i)", "netns", bridge)
            try ip("-n", bridge, "link", "set", "p\(i)", "master", "br0")
            try ip("-n", bridge, "link", "set", "p\(i)", "up")
            try ip("-n", ns, "addr", "add", "\(net).\(i + 1)/24", "dev", "eth0")
            try ip("-n", ns, "link", "set", "eth0", "up")
            try ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
            hosts.append(ns)
            addresses.append("\(net).\(i + 1)")
        }
    }

    /// The argv prefix and interface address of node `i`.
    func placement(_ i: Int) -> (prefix: [String], interface: String) {
        namespaces ? ([Self.ip, "netns", "exec", hosts[i]], addresses[i]) : ([], "127.0.0.1")
    }

    func destroy() {
        for ns in created.reversed() { ChildProcess.run([Self.ip, "netns", "del", ns]) }
        created = []
        hosts = []
        addresses = []
    }

    private func ip(_ args: String...) throws(BenchError) {
        let rc = ChildProcess.run([Self.ip] + args).status
        if rc != 0 {
            destroy()
            throw BenchError("ip \(args.joined(separator: " ")) failed (\(rc))")
        }
    }
}
