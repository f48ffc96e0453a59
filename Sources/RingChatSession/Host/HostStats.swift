import RingChatCore
import RingChatIO
import RingChatStorage

/// The shell's counters, for diagnostics and tests.
public struct HostStats: Sendable, Equatable {
    /// Datagrams read from the socket (before fault injection).
    public var datagramsReceived = 0
    /// Our own datagrams heard back through multicast loopback, dropped
    /// before decoding (the core would ignore them). Normally 0: the
    /// socket's kernel filter drops them before they are read.
    public var ownEchoes = 0
    /// Datagrams handed to the node after decoding.
    public var packetsDecoded = 0
    /// Datagrams that did not decode (malformed, hostile, other versions):
    /// counted and ignored.
    public var decodeDrops = 0
    /// The last decode error, for the curious.
    public var lastDecodeError: String?
    /// Group key (docs/SECURITY.md): datagrams whose tag did not verify
    /// (another key, or tampering), replays of accepted ones, plain ones
    /// reaching a keyed node, sealed ones reaching a node without a key.
    public var authFailures = 0
    public var replays = 0
    public var unsealed = 0
    public var sealedWithoutKey = 0
    /// Datagrams that decoded but claimed numbers no honest node could
    /// send (an epoch of 2^64-1, a hop far beyond the ring's): dropped by
    /// the node's `PacketValidator` before its state machine, and counted.
    public var implausibleDrops = 0
    /// Private messages addressed to this node that did not open, or were
    /// sealed with another key than their origin's known one: not shown.
    public var privateUnopened = 0
    /// The last of them: kind, sender, and the number that failed.
    public var lastImplausible: String?
    /// Datagrams sent to the group.
    public var packetsSent = 0
    /// Sends the kernel refused for lack of buffer space (UDP is lossy;
    /// the protocol re-sends).
    public var sendDrops = 0
    /// Sends that failed for another reason.
    public var sendErrors = 0
    /// Fault injection: dropped by --loss, duplicated by --dup, delayed by
    /// --delay, dropped because the delay queue was full.
    public var faultDropped = 0
    public var faultDuplicated = 0
    public var faultDelayed = 0
    public var faultOverflowed = 0
    /// History reads answered for the node off the loop thread (catch-up
    /// answers older than its cache).
    public var historyReads = 0
    /// Checkpoints confirmed durable, and failed.
    public var checkpointsWritten = 0
    public var checkpointsFailed = 0
    /// Lines the replica lacks (dropped while the disk was full) that the
    /// node is still fetching from peers (`Node.replicaRefillPending`).
    public var replicaRefilling = 0
    /// The disk thread's own counters (appends, fsyncs, their latency).
    public var disk = DiskWriter.Stats()
}

extension HostStats {
    /// Adds what a receive path counted (its socket and fault injector).
    mutating func addSocketCounters(of rp: ReceivePath) {
        datagramsReceived += rp.received
        faultDropped += rp.injector.dropped
        faultDuplicated += rp.injector.duplicated
        faultDelayed += rp.injector.delayed
        faultOverflowed += rp.injector.overflowed
        sendDrops += rp.socket.sendDrops
    }
}

extension PacketSeal.Rejection {
    /// The `HostStats` counter of this rejection.
    var counter: WritableKeyPath<HostStats, Int> {
        switch self {
        case .authenticationFailed: \.authFailures
        case .replayed: \.replays
        case .unsealed: \.unsealed
        case .sealedWithoutKey: \.sealedWithoutKey
        }
    }
}
