import Glibc
import RingChatCore
import RingChatIO

/// A test peer that speaks the wire format exactly (`WireCodec`) with
/// numbers of its choosing, as a script on the LAN would: it listens to the
/// group to learn the real nodes' ids and incarnations (every heartbeat
/// carries them), their ring, hop and seq, and sends crafted packets built
/// from them. Loopback only: it joins the cluster's group on 127.0.0.1.
final class CraftedPeer {
    let id = NodeID(UInt64.random(in: 1...UInt64.max) & ~1)   // even: never a real node's, see `nobody`
    private let socket: MulticastSocket
    private var counter: UInt64 = 0

    /// What it has overheard.
    private(set) var incarnations: [NodeID: UInt32] = [:]
    private(set) var ring: RingID?
    private(set) var highestEpoch: UInt64 = 0
    private(set) var hop: UInt64 = 0
    private(set) var nextSeq: UInt64 = 1

    init(group: String, port: UInt16) throws {
        socket = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
    }

    deinit { socket.close() }

    /// An id no node has (real ids are random; this one is ours, plus one).
    var nobody: NodeID { NodeID(id.raw | 1) }

    /// Reads everything waiting on the socket.
    func listen() {
        while let bytes = socket.receive() {
            guard let p = try? WireCodec.decode(bytes), p.sender != id else { continue }
            incarnations[p.sender] = p.incarnation
            switch p.body {
            case .heartbeat(let h):
                highestEpoch = max(highestEpoch, h.highestEpoch)
                if let r = h.ring { see(r) }
            case .token(let t):
                see(t.ring)
                if t.ring == ring { hop = max(hop, t.hop); nextSeq = max(nextSeq, t.nextSeq) }
            case .tokenAck(let a):
                see(a.ring)
                if a.ring == ring { hop = max(hop, a.hop); nextSeq = max(nextSeq, a.nextSeq) }
            case .data(let d):
                for m in d.messages where m.slot.ring == ring { nextSeq = max(nextSeq, m.slot.seq.addingSaturating(1)) }
            default:
                break
            }
        }
    }

    private func see(_ r: RingID) {
        highestEpoch = max(highestEpoch, r.epoch)
        guard ring.map({ r > $0 }) ?? true else { return }
        ring = r
        hop = 0
        nextSeq = 1
    }

    /// Waits until it has heard `node` (by its id hex) and a ring.
    func learn(_ node: String, timeout: Double = 15) -> (id: NodeID, incarnation: UInt32)? {
        guard let target = NodeID(hex: node) else { return nil }
        var found: (NodeID, UInt32)?
        _ = waitUntil(timeout) {
            listen()
            if let inc = incarnations[target], ring != nil { found = (target, inc) }
            return found != nil
        }
        return found
    }

    /// Sends `body` under its own id, or with the header values given.
    func send(_ body: Packet.Body, incarnation: UInt32 = 1, counter explicit: UInt64? = nil) throws {
        counter += 1
        let p = Packet(sender: id, incarnation: incarnation, counter: explicit ?? counter, body: body)
        try socket.send(WireCodec.encode(p))
    }
}
