@testable import RingChatCore

/// One node driven by hand, as the timer tests need it: packets from peers
/// (each in the incarnation given), ticks whenever the node asks for one,
/// peers' heartbeats every 100 ms, and what the node did: its token story
/// and the packets it sent.
final class NodeBench {
    let node: Node
    /// The ring the peers' heartbeats announce.
    let ring: RingID
    var now: Instant
    var counter: UInt64 = 0
    var story: [(at: Instant, event: TokenEvent)] = []
    var sent: [Packet] = []

    init(_ node: Node, ring: RingID, at now: Instant = .zero) {
        self.node = node
        self.ring = ring
        self.now = now
    }

    func hear(_ peer: NodeID, incarnation: UInt32 = 1, _ body: Packet.Body) {
        counter += 1
        take(node.handle(.packet(packet(from: peer, incarnation: incarnation, counter: counter, body)), now: now))
    }

    func beat(_ peer: NodeID, incarnation: UInt32 = 1) {
        hear(peer, incarnation: incarnation, .heartbeat(Heartbeat(nick: "p", ring: ring, queued: 0, highestEpoch: ring.epoch,
                                                                  digest: MessageLog().summary, page: [])))
    }

    func take(_ effects: [Effect]) {
        story += effects.tokenEvents.map { (now, $0) }
        sent += effects.sentPackets
    }

    /// Moves the clock to `t`, ticking at every deadline on the way and
    /// hearing `peers` (id, incarnation) beat every 100 ms.
    func advance(to t: Instant, peers: [(NodeID, UInt32)] = []) {
        var beat = now + .milliseconds(100)
        while now < t {
            now = min(node.nextDeadline(now: now), beat, t)
            if now == beat {
                for (p, inc) in peers { self.beat(p, incarnation: inc) }
                beat = now + .milliseconds(100)
            }
            take(node.handle(.tick, now: now))
        }
    }

    func count(_ match: (TokenEvent) -> Bool) -> Int { story.filter { match($0.event) }.count }
    var ringsFormed: Int { count { if case .regenerated = $0 { true } else { false } } }
    var lossesDeclared: Int { count { if case .lost = $0 { true } else { false } } }
    var regeneratedAt: Instant? { story.first { if case .regenerated = $0.event { true } else { false } }?.at }
    func silent(_ n: NodeID) -> [Instant] {
        story.compactMap { if case .successorSilent(n) = $0.event { $0.at } else { nil } }
    }
}
