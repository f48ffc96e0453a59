/// The boundary between the network and the state machine: every packet's
/// numbers are judged by `PacketValidator` against what this node knows
/// before anything acts on them (not even the sender's liveness is
/// refreshed by an implausible packet).
extension Node {
    /// What this node knows that bounds a peer's claims.
    public var knowledge: PacketValidator.Knowledge {
        PacketValidator.Knowledge(highestEpoch: highestEpoch, ring: ring, hop: lastHopSeen, seq: sequencer.known,
                                  finishing: sequencer.finishing?.ring, finishingLast: sequencer.finishing?.last ?? 0,
                                  me: id, incarnation: incarnation)
    }

    /// Notices about implausible packets are this far apart at most: a
    /// flood of them must not flood the screen too.
    static let implausibleNoticeInterval: Duration = .seconds(10)

    /// True if `p` may reach the state machine; otherwise it is counted,
    /// its sender noted, and (at most every `implausibleNoticeInterval`)
    /// the user told.
    func admit(_ p: Packet, now: Instant) -> Bool {
        guard let why = PacketValidator.check(p, knowing: knowledge) else { return true }
        if why.bound == .epochWindow {
            // Honest peers are this far ahead only if a forger's plausible
            // jumps (each within the window) reached them while this node
            // was away. Moving our horizon up one window per such packet
            // lets this node catch up with them instead of staying split
            // off for good, and gives a forger nothing it could not get by
            // claiming an epoch at the edge of the window.
            highestEpoch = min(highestEpoch.addingSaturating(PacketValidator.epochWindow), PacketValidator.ceiling)
        }
        stats.implausibleDrops += 1
        let what = "\(Self.kindName(p.body)) from \(p.sender.hex) (incarnation \(p.incarnation)): \(why)"
        stats.lastImplausible = what
        implausibleUnreported += 1
        if implausibleNoticeAt.map({ now - $0 >= Self.implausibleNoticeInterval }) ?? true {
            let more = implausibleUnreported > 1 ? " (\(implausibleUnreported) such packets since the last notice)" : ""
            emit(.notice("ignored an implausible \(what)\(more)"))
            implausibleNoticeAt = now
            implausibleUnreported = 0
        }
        return false
    }

    static func kindName(_ b: Packet.Body) -> String {
        switch b {
        case .heartbeat: "heartbeat"
        case .token: "token"
        case .tokenAck: "token ack"
        case .tokenRequest: "token request"
        case .data: "data packet"
        case .nack: "nack"
        case .reconcileRequest: "reconcile request"
        case .settle: "settle report"
        case .leave: "leave"
        }
    }
}
