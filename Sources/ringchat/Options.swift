#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import RingChatCore
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

/// Where the group is and what the receive path does to datagrams; shared by
/// `chat` and `server`.
struct NetworkOptions: ParsableArguments {
    @Option(name: .customLong("group"), help: ArgumentHelp(
        "Multicast group as ADDRESS[:PORT] (an IPv4 address in 224.0.0.0/4; port 5007 if omitted).",
        valueName: "address:port"))
    var group: String = "224.1.1.1:5007"

    @Option(help: ArgumentHelp(
        "Interface to join the group on and send from: an IPv4 address or a name such as lo or eth0. Loopback by default, so nothing leaves this machine; name a LAN interface to chat across hosts.",
        valueName: "address|name"))
    var interface: String = "127.0.0.1"

    // `.unconditional`: a negative number is the option's value, refused by
    // `validate()` with the range, not "Missing value" (ArgumentParser takes
    // `-1` for a flag otherwise).
    @Option(parsing: .unconditional, help: "Multicast TTL, 1-255 (1 never crosses a router).")
    var ttl: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Delay every received datagram by MS, or uniformly by MIN-MAX milliseconds per datagram (so datagrams arrive out of order). Testing aid.",
        valueName: "min-max"))
    var delay: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Drop each received datagram with probability P (0-1). Testing aid.", valueName: "p"))
    var loss: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Duplicate each received datagram with probability P (0-1). Testing aid.", valueName: "p"))
    var dup: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "Group key file (from `ringchat keygen`; mode 600): every packet is encrypted and authenticated with it, and packets without it are ignored. Also $RINGCHAT_KEY_FILE. Without one the group is open to anyone on the LAN.",
        valueName: "file"))
    var keyFile: String?

    @Option(name: .customLong("fault-seed"), parsing: .unconditional, help: ArgumentHelp(
        "Seed of the fault injector, to replay the same drops, duplicates and delays (random by default).",
        valueName: "n"))
    var faultSeed: UInt64?

    func validate() throws {
        _ = try parsedGroup()
        guard (1...255).contains(ttl) else { throw ValidationError("--ttl must be 1-255; got \(ttl)") }
        _ = try faults()
        guard !interface.isEmpty else { throw ValidationError("--interface must be an IPv4 address or an interface name") }
    }

    func parsedGroup() throws -> (group: String, port: UInt16) {
        do { return try MulticastSocket.parseGroup(group) } catch { throw ValidationError(error.description) }
    }

    /// The group key named by --key-file or $RINGCHAT_KEY_FILE, if any.
    func groupKey() throws -> GroupKey? {
        let env = getenv("RINGCHAT_KEY_FILE").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let path = keyFile ?? env else { return nil }
        do { return try GroupKey.load(from: path) } catch { throw ValidationError(error.description) }
    }

    func faults() throws -> FaultSpec {
        do { return try FaultSpec.parse(delay: delay, loss: loss, dup: dup) } catch { throw ValidationError(error.description) }
    }
}

/// Who this node is and where it keeps its files.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Nick shown to others (1-32 UTF-8 bytes, no spaces or control characters). Default: $USER, else user-XXXX; `server` for ringchat server. A nick another live member holds is refused: the node takes NAME_ and says so.", valueName: "name"))
    var nick: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Directory for node.json, replica.jsonl and checkpoint.json (+ checkpoint.prev.json). Default: $XDG_STATE_HOME/ringchat/NICK, else ~/.local/state/ringchat/NICK. Two running nodes must never share one.",
        valueName: "dir"))
    var stateDir: String?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: ArgumentHelp(
        "Seconds between periodic checkpoints, 0.1-86400 (decimals allowed); 0 turns them off.", valueName: "seconds"))
    var checkpointEvery: Double = 10

    @Option(name: .customLong("token-hold"), parsing: .unconditional, help: ArgumentHelp(
        "Milliseconds an idle holder keeps the token before passing it on, 1-60000 (protocol default 100). Raise it to watch the token move in a demo.",
        valueName: "ms"))
    var tokenHold: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Chat lines a token holder may send per visit (protocol default 64).", valueName: "n"))
    var batch: Int?

    /// Bytes of replica lines kept in memory while the disk is full (16 MiB
    /// by default); beyond, lines are dropped and fetched again from peers.
    /// Hidden: for the end-to-end test of a long outage.
    @Option(name: .customLong("max-unwritten"), help: .hidden)
    var maxUnwritten: Int?

    func validate() throws {
        if let n = nick, let refusal = NickRule.refusal(n) { throw ValidationError(refusal) }
        guard checkpointEvery.isFinite, checkpointEvery == 0 || (0.1...86_400).contains(checkpointEvery) else {
            throw ValidationError("--checkpoint-every must be 0 (off) or 0.1-86400 seconds; got \(checkpointEvery)")
        }
        if let h = tokenHold, !(1...60_000).contains(h) {
            throw ValidationError("--token-hold must be 1-60000 ms; got \(h)")
        }
        if let b = batch, !(1...4_096).contains(b) { throw ValidationError("--batch must be 1-4096; got \(b)") }
        if let m = maxUnwritten, !(4_096...(1 << 30)).contains(m) {
            throw ValidationError("--max-unwritten must be 4096-1073741824 bytes; got \(m)")
        }
        if let d = stateDir, d.isEmpty { throw ValidationError("--state-dir must not be empty") }
    }

    func resolvedNick(default fallback: String? = nil) -> String {
        if let n = nick { return n }
        if let f = fallback { return f }
        if let u = getenv("USER").map({ String(cString: $0) }), NickRule.problem(u) == nil { return u }
        let r = String(Entropy.random64() & 0xFFFF, radix: 16)
        return "user-" + String(repeating: "0", count: 4 - r.count) + r
    }
}

/// Builds the host's options from the shared option groups.
func hostOptions(network: NetworkOptions, state: StateOptions, defaultNick: String? = nil) throws -> HostOptions {
    let nick = state.resolvedNick(default: defaultNick)
    let dir: String
    if let d = state.stateDir {
        dir = d
    } else {
        do { dir = try StateDirectory.defaultPath(nick: nick) } catch { throw ValidationError(error.description) }
    }
    var o = HostOptions(stateDir: dir, nick: nick)
    let g = try network.parsedGroup()
    o.group = g.group
    o.port = g.port
    o.interface = network.interface
    o.ttl = UInt8(network.ttl)
    o.faults = try network.faults()
    o.faultSeed = network.faultSeed
    o.groupKey = try network.groupKey()
    o.checkpointEvery = state.checkpointEvery == 0 ? nil : .milliseconds(Int64((state.checkpointEvery * 1000).rounded()))
    o.tokenHold = state.tokenHold.map { .milliseconds(Int64($0)) }
    if let b = state.batch { o.config.maxBatch = b }
    if let m = state.maxUnwritten { o.maxUnwrittenBytes = m }
    return o
}
