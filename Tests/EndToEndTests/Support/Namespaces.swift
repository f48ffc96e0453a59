import Foundation
import Glibc

/// Three "hosts" on one machine: a network namespace each, a veth pair
/// from each into a bridge that lives in a fourth namespace, 10.x
/// addresses inside the namespaces only, and a multicast route on each
/// host's interface. Nothing is created in the root namespace, so nothing
/// can reach the real network. `destroy()` deletes every namespace (their
/// veths and the bridge go with them).
final class HostNamespaces {
    let tag: String
    let bridgeNS: String
    let hosts: [String]
    let addresses: [String]
    private(set) var created: [String] = []
    private let scratch: String

    /// Nil (with the reason) where namespaces cannot be made (not root, no
    /// `ip`, no CAP_SYS_ADMIN).
    static func unavailableReason() -> String? {
        if geteuid() != 0 { return "not root: network namespaces need CAP_SYS_ADMIN" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") && !FileManager.default.isExecutableFile(atPath: "/sbin/ip")
            && !FileManager.default.isExecutableFile(atPath: "/usr/bin/ip") {
            return "the ip command (iproute2) is not installed"
        }
        return nil
    }

    static var ip: String {
        for p in ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return "ip"
    }

    init(count: Int, scratch: String) {
        let tag = "rc\(getpid() % 100_000)x\(Int.random(in: 100...999))"
        self.tag = tag
        bridgeNS = tag + "br"
        hosts = (0..<count).map { "\(tag)h\($0)" }
        let net = "10.\(Int.random(in: 100...250)).\(Int.random(in: 1...250))"
        addresses = (0..<count).map { "\(net).\($0 + 1)" }
        self.scratch = scratch
    }

    func ip(_ args: String...) throws { try run([Self.ip] + args, in: scratch) }

    /// Builds the topology; on failure whatever was made is deleted and the
    /// error says which step failed.
    func create() throws {
        do {
            try ip("netns", "add", bridgeNS); created.append(bridgeNS)
            try ip("-n", bridgeNS, "link", "add", "br0", "type", "bridge")
            // No IGMP snooping: the bridge floods the group to every port,
            // like a dumb switch; no querier needed.
            try ip("-n", bridgeNS, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
            try ip("-n", bridgeNS, "link", "set", "br0", "up")
            for (i, ns) in hosts.enumerated() {
                try ip("netns", "add", ns); created.append(ns)
                try ip("-n", ns, "link", "set", "lo", "up")
                try ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port(i), "netns", bridgeNS)
                try ip("-n", bridgeNS, "link", "set", port(i), "master", "br0")
                try ip("-n", bridgeNS, "link", "set", port(i), "up")
                try ip("-n", ns, "addr", "add", addresses[i] + "/24", "dev", "eth0")
                try ip("-n", ns, "link", "set", "eth0", "up")
                try ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")
            }
        } catch {
            destroy()
            throw error
        }
    }

    /// The bridge-side end of host `i`'s cable.
    func port(_ i: Int) -> String { "p\(i)" }

    /// Unplugs / replugs host `i` (its own interface stays up and keeps its
    /// address; the switch port goes dark).
    func setLink(_ i: Int, up: Bool) throws {
        try ip("-n", bridgeNS, "link", "set", port(i), up ? "up" : "down")
    }

    /// `ip netns exec NS` as an argv prefix.
    func exec(_ i: Int) -> [String] { [Self.ip, "netns", "exec", hosts[i]] }

    func destroy() {
        for ns in created.reversed() { _ = try? run([Self.ip, "netns", "del", ns], in: scratch, allowFailure: true) }
        created = []
    }
}
