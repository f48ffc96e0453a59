import RingChatCore
import RingChatIO
import RingChatStorage

/// Everything a `NodeHost` needs to know: where the group is, which faults
/// to inject on receive, where the state lives, and the protocol's timers.
public struct HostOptions: Sendable {
    /// IPv4 multicast group (224.0.0.0/4) and UDP port.
    public var group: String = "224.1.1.1"
    public var port: UInt16 = 5007
    /// The interface to join on and send from: an IPv4 address or a name
    /// (`lo`, `eth0`). Loopback by default, so nothing leaves the machine.
    public var interface: String = "127.0.0.1"
    /// IP_MULTICAST_TTL: 1 never crosses a router.
    public var ttl: UInt8 = 1
    /// Delay, loss and duplication applied to received datagrams.
    public var faults: FaultSpec = .none
    /// Seed of the fault injector; nil draws one from /dev/urandom.
    public var faultSeed: UInt64?
    /// The state directory (node.json, replica.jsonl, checkpoint*.json).
    public var stateDir: String
    /// The nick to use (it overrides the one in the last checkpoint).
    public var nick: String
    /// Periodic checkpoints; nil turns them off (on-demand ones still work).
    /// Overrides `config.checkpointEvery`.
    public var checkpointEvery: Duration? = .seconds(10)
    /// How long an idle holder keeps the token (overrides
    /// `config.idleHold`; slow it down for demos so the token can be seen
    /// moving).
    public var tokenHold: Duration?
    /// The protocol's timers and bounds.
    public var config: NodeConfig = NodeConfig()
    /// The group key: every packet sealed and authenticated with it; nil
    /// for an open group (docs/SECURITY.md).
    public var groupKey: GroupKey?
    /// Group-commit interval of replica fsyncs on the disk thread.
    public var syncInterval: Duration = .milliseconds(200)
    /// At most this many bytes of replica lines are kept in memory while
    /// the replica cannot be written (a full disk); lines beyond are
    /// dropped and fetched again from peers once it is written again
    /// (hidden `--max-unwritten`, for tests; docs/STORAGE.md).
    public var maxUnwrittenBytes = DiskWriter.defaultMaxUnwrittenBytes
    /// Writes the replica's bytes: a seam for tests whose disk fills up.
    package var replicaWrite: @Sendable (Int32, [UInt8], String) throws(SystemError) -> Void = { fd, bytes, path throws(SystemError) in
        try FileIO.writeAll(fd, bytes, path: path)
    }
    /// Keep replica.search.sqlite (full-text search of the history) caught
    /// up on a thread of its own, for `search(_:)`: the TUI's `/search`.
    /// Off for the headless, server and bench front ends, which never
    /// search and would pay for the tokenising.
    public var searchIndex = false
    /// Rooms to join at start (`--join #a,#b`), besides those the last
    /// checkpoint records (NodeHost+Rooms.swift).
    public var rooms: [String] = []

    public init(stateDir: String, nick: String) {
        self.stateDir = stateDir
        self.nick = nick
    }

    /// `config` with the overrides above applied: what the node runs with.
    public var effectiveConfig: NodeConfig {
        var c = config
        c.checkpointEvery = checkpointEvery
        if let h = tokenHold { c.idleHold = h }
        return c
    }
}
