#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// What `sendPrivate` did.
public enum PrivateSendResult: Sendable, Equatable {
    /// Sealed and queued for the next token visit.
    case sent(to: NodeID, nick: String)
    /// Not sent, with a sentence for the user.
    case refused(String)
}

/// Private messages (docs/SECURITY.md): sealed here for their recipient
/// (`PrivateSeal`), carried by the ring like any line (every replica stores
/// the sealed bytes), opened here again before the front end sees them.
/// A front end only ever gets a private message this node is an end of,
/// already opened; the node, the disk and the search index only ever see
/// the sealed text.
extension NodeHost {
    /// Loads (or makes) this node's identity key and its known peers, once
    /// per host (a simulated crash keeps them, as a real restart reads the
    /// same files).
    func loadIdentity() throws {
        guard identity == nil else { return }
        let (key, _) = try IdentityFile.loadOrCreate(in: stateDirectory.path)
        identity = key
        identityPublicKey = key.publicKey
        let file = KnownPeersFile(directory: stateDirectory.path)
        let (peers, warning) = file.load()
        knownPeersFile = file
        knownPeers = peers
        if let warning { onEvent?(.warning(warning)) }
    }

    /// This node's key fingerprint (`/whois` of oneself).
    public var identityFingerprint: String { IdentityKey.fingerprint(of: identityPublicKey) }

    /// Seals `text` for the node called `nick` and queues it. The nick may
    /// be a live member's or one heard before (its key was remembered): the
    /// message then waits in every replica until that node comes back.
    public func sendPrivate(to nick: String, text: String) -> PrivateSendResult {
        guard let n = currentNode, let me = identity else { return .refused("not running") }
        guard !text.isEmpty else { return .refused("nothing to send") }
        guard text.utf8.count <= WireLimits.maxTextBytes else {
            return .refused("line too long (\(text.utf8.count) bytes, at most \(WireLimits.maxTextBytes)): not sent")
        }
        guard let (id, key) = peerKey(named: nick) else {
            return .refused("no one called \(nick) is known here (a private message needs a key its owner announced)")
        }
        guard id != n.id else { return .refused("that is you") }
        let sealed: String
        do {
            sealed = try PrivateSeal.seal(text, from: me, sender: n.id, to: key, recipient: id)
        } catch {
            return .refused("\(error)")
        }
        feed(.type(sealed, kind: .private, room: RoomName.address(of: id)))
        return .sent(to: id, nick: nick)
    }

    /// What `/whois nick` shows: its node, its key's fingerprint, whether
    /// it is on the ring, and a key change if one was seen.
    public func whois(_ nick: String) -> [String] {
        if let n = currentNode, nick == n.nick {
            return ["\(nick) is this node, \(n.id.hex)", "  key \(identityFingerprint)"]
        }
        let live = currentNode?.status.members.first { $0.nick == nick }
        guard let id = live?.id ?? knownPeers.node(named: nick) else { return ["no one called \(nick) is known here"] }
        var lines = ["\(nick) is node \(id.hex), " + (live != nil ? "on the ring now" : "not on the ring")]
        if let e = knownPeers.entries[id] {
            lines.append("  key \(IdentityKey.fingerprint(of: e.key)) (first seen \(Self.date(e.firstSeen)))")
            if let old = e.previousKey, let at = e.changedAt {
                lines.append("  WARNING: its key changed on \(Self.date(at)); it was \(IdentityKey.fingerprint(of: old))")
            }
        } else {
            lines.append("  no key announced")
        }
        return lines
    }

    /// The nick last known for `id` (a live member's, else a remembered one).
    public func peerNick(_ id: NodeID) -> String? {
        if let n = currentNode, n.id == id { return n.nick }
        return currentNode?.status.members.first { $0.id == id }?.nick ?? knownPeers.entries[id]?.nick
    }

    /// `messages` as this node's screen may show them: private messages it
    /// is not an end of are left out, those it is are opened. Used for
    /// every delivery and every page of history handed to a front end.
    public func forScreen(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard messages.contains(where: { $0.kind == .private }) else { return messages }
        return messages.compactMap(forScreen)
    }

    /// One message as the screen may show it (nil: not for this node, or
    /// a private message that does not open: mangled or forged, counted).
    public func forScreen(_ m: ChatMessage) -> ChatMessage? {
        guard m.kind == .private else { return m }
        guard let n = currentNode, let me = identity, RoomName.shows(m, to: n.id),
              let to = RoomName.recipient(of: m.room) else { return nil }
        guard let opened = PrivateSeal.open(m.text, me: me, sender: m.id.origin, recipient: to) else {
            privateUnopened += 1
            return nil
        }
        // Trust on first use: the sender's key in the message must be the
        // one known for it (from its announcements, or from this message
        // when it is the first word heard from it). Any member can put any
        // origin on a message; only the real sender's key matches.
        if m.id.origin != n.id {
            if let known = knownPeers.entries[m.id.origin]?.key, known != opened.senderKey {
                privateUnopened += 1
                onEvent?(.warning("a private message that claims to be from \(m.nick) (\(m.id.origin.hex)) was sealed with "
                    + "another key than theirs (\(IdentityKey.fingerprint(of: opened.senderKey))): not shown"))
                return nil
            }
            learn(m.id.origin, nick: m.nick, key: opened.senderKey)
        }
        var shown = m
        shown.text = opened.text
        return shown
    }

    /// Records the keys the live members announce (called with each status).
    func learnKeys(_ s: NodeStatus) {
        for m in s.members where m.id != s.node && m.identity.count == WireLimits.identityKeyBytes {
            learn(m.id, nick: m.nick, key: m.identity)
        }
    }

    private func learn(_ id: NodeID, nick: String, key: [UInt8]) {
        if let e = knownPeers.entries[id], e.key == key, e.nick == nick { return }
        switch knownPeers.observe(id, nick: nick, key: key, now: EventLoop.wallClockMillis()) {
        case .same: return
        case .new, .renamed: break
        case .keyChanged(let old):
            onEvent?(.warning("the identity key of \(nick) (\(id.hex)) changed: it was \(IdentityKey.fingerprint(of: old)), "
                + "it is \(IdentityKey.fingerprint(of: key)). If \(nick) did not make a new state dir, someone may be "
                + "posing as them: check the fingerprint with them (/whois \(nick))"))
        }
        knownPeersFile?.save(knownPeers)
    }

    private func peerKey(named nick: String) -> (NodeID, [UInt8])? {
        if let m = currentNode?.status.members.first(where: { $0.nick == nick }), m.identity.count == WireLimits.identityKeyBytes {
            return (m.id, m.identity)
        }
        guard let id = knownPeers.node(named: nick), let e = knownPeers.entries[id] else { return nil }
        return (id, e.key)
    }

    private static func date(_ ms: Int64) -> String {
        var t = time_t(ms / 1000)
        var parts = tm()
        localtime_r(&t, &parts)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M", &parts)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
