#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage

/// Rooms and private messages on disk: the line's `room` key and
/// `"kind":"private"`, old lines (no room, no kind) read as the lobby's,
/// lines of a later version kept and said once, and `reconcile` merging
/// replicas with rooms and private messages.
@Suite struct ReplicaRoomsTests {
    static let ring = RingID(epoch: 1, creator: NodeID(5), incarnation: 1)
    static let bob = NodeID(0x0b0b_0b0b_0b0b_0b0b)

    static func message(_ i: Int, room: String = RoomName.lobby, kind: MessageKind = .text, text: String? = nil) -> ChatMessage {
        ChatMessage(id: MessageID(origin: NodeID(UInt64(10 + i % 2)), incarnation: 1, counter: UInt32(i)), nick: "n\(i % 2)",
                    text: text ?? "line \(i)", kind: kind, room: room, slot: Slot(ring: ring, seq: UInt64(i)),
                    timestamp: 1_700_000_000_000 + Int64(i))
    }

    /// A private message as every replica holds it: its text the sealed box.
    static func sealed(_ i: Int) -> ChatMessage {
        message(i, room: RoomName.address(of: bob), kind: .private, text: "c2VhbGVk\(i)Ym94IGJ5dGVz")
    }

    /// Lines in three rooms and a private conversation.
    static let mixed: [ChatMessage] = (1...12).map { i in
        switch i % 4 {
        case 0: sealed(i)
        case 1: message(i)
        case 2: message(i, room: "#ops")
        default: message(i, room: "#dev-team", kind: .action)
        }
    }

    static func text(_ ms: [ChatMessage]) -> String { String(decoding: ms.flatMap(ReplicaLineCodec.line(for:)), as: UTF8.self) }

    // MARK: the line

    /// The room sits between `ring` and `seq` (sorted keys), the lobby has
    /// none; both readers agree with the JSON encoder and read it back.
    @Test func aLineCarriesItsRoomAndKind() throws {
        let ops = ReplicaLineCodec.line(for: Self.message(2, room: "#ops"))
        let line = String(decoding: ops, as: UTF8.self)
        #expect(line.contains(##""ring":"1.0000000000000005.1","room":"#ops","seq":2,"##), "\(line)")
        #expect(!String(decoding: ReplicaLineCodec.line(for: Self.message(1)), as: UTF8.self).contains("room"))
        #expect(String(decoding: ReplicaLineCodec.line(for: Self.sealed(4)), as: UTF8.self)
            .contains(#""kind":"private""#) && line.hasSuffix(#","v":2}"# + "\n"))
        for m in Self.mixed {
            let bytes = ReplicaLineCodec.line(for: m)
            #expect(bytes == (try StateJSON.encode(ReplicaLineCodec.VersionedLine(m))) + [0x0A], "the writer and the encoder differ on \(m)")
            #expect(ReplicaLineCodec.decode(bytes.dropLast()) == m)
            bytes.dropLast().withContiguousStorageIfAvailable { b in
                #expect(ReplicaLineCodec.parse(b) == m && ReplicaLineCodec.decodeWithJSONDecoder(b) == m)
            }
        }
    }

    /// A private message's sealed text is longer than a line may be (up to
    /// `maxSealedTextBytes`): a replica line holding one is a message, not
    /// a value no honest node writes (it would be moved aside at start).
    @Test func aLongSealedTextIsPlausible() throws {
        let long = Self.message(1, room: RoomName.address(of: Self.bob), kind: .private,
                                text: String(repeating: "A", count: WireLimits.maxSealedTextBytes))
        let r = ReplicaLineCodec.line(for: long).dropLast().withContiguousStorageIfAvailable { ReplicaLineCodec.read($0) }
        #expect(r == .message(long))
        var over = long
        over.text += "A"
        let r2 = ReplicaLineCodec.line(for: over).dropLast().withContiguousStorageIfAvailable { ReplicaLineCodec.read($0) }
        if case .implausible = r2 {} else { Issue.record("a sealed text over the bound read as \(String(describing: r2))") }
        var plain = long
        plain.kind = .text
        plain.room = RoomName.lobby
        let r3 = ReplicaLineCodec.line(for: plain).dropLast().withContiguousStorageIfAvailable { ReplicaLineCodec.read($0) }
        if case .implausible = r3 {} else { Issue.record("a text line of \(plain.text.utf8.count) bytes read as a message") }
    }

    /// Lines written before rooms (no `room`, no `v`) and before kinds (no
    /// `kind`): read as the lobby's plain lines by every reader.
    @Test func oldLinesAreTheLobbys() throws {
        let old = """
            {"id":"000000000000000a.1.1","kind":"text","nick":"al","ring":"1.000000000000000a.1","seq":1,"text":"before rooms","ts":1700000000000}
            {"id":"000000000000000a.1.2","nick":"al","ring":"1.000000000000000a.1","seq":2,"text":"before kinds","ts":1700000000001}
            {"id":"000000000000000a.1.3","kind":"action","nick":"al","ring":"1.000000000000000a.1","seq":3,"text":"waves","ts":1700000000002,"v":2}

            """
        let tmp = TempDir("old-lines"); defer { tmp.cleanup() }
        let path = tmp.file("replica.jsonl")
        writeFile(path, old)
        let loaded = ReplicaFile.load(from: path)
        var streamed: [ChatMessage] = []
        let report = ReplicaScanner.scan(path, repair: true) { _, _, _, m in streamed.append(m) }
        #expect(loaded.warnings.isEmpty && report.warnings.isEmpty, "\(loaded.warnings) \(report.warnings)")
        #expect(loaded.messages == streamed && streamed.count == 3)
        #expect(streamed.allSatisfy { $0.room == RoomName.lobby })
        #expect(streamed.map(\.kind) == [.text, .text, .action])
        #expect(streamed.map(\.text) == ["before rooms", "before kinds", "waves"])
    }

    /// History reads (the screen's scroll-back pages, a peer's catch-up)
    /// go through the run index and read the lines back: rooms and kinds
    /// come back as written.
    @Test func historyReadsCarryTheRoom() throws {
        let tmp = TempDir("rooms-history"); defer { tmp.cleanup() }
        let dir = StateDirectory(path: tmp.file("n"))
        try dir.create()
        writeFile(dir.replicaPath, Self.text(Self.mixed))
        let opening = ReplicaOpening.prepare(dir, checkpoint: nil, capacity: 100)
        #expect(opening.warnings.filter { !$0.contains("building") }.isEmpty, "\(opening.warnings)")
        opening.index?.close()
        let store = try ReplicaStore(directory: dir)
        #expect(store.page(before: nil, limit: 50) == Self.mixed)
        #expect(store.page(after: Self.mixed[3].slot, limit: 3) == Array(Self.mixed[4..<7]))
        let s = Self.mixed[1].id.stream
        #expect(store.messages(of: s, counters: 1...12, limit: 50) == Self.mixed.filter { $0.id.stream == s })
        #expect(store.message(at: Self.mixed[3].slot) == Self.sealed(4))
    }

    // MARK: lines of a later version

    static let laterKind = #"{"id":"000000000000000c.1.1","kind":"poll","nick":"cy","ring":"1.0000000000000005.1","seq":90,"text":"lunch?","ts":1700000000000,"v":2}"#
    static let laterFormat = #"{"id":"000000000000000c.1.2","nick":"cy","ring":"1.0000000000000005.1","seq":91,"shape":"new","ts":1700000000000,"v":3}"#

    /// A line of a kind or format this build does not know, in the middle
    /// or at the end, is kept where it is (not cut as a torn tail, not
    /// moved aside) and never read as a message; all of them are said in
    /// one warning.
    @Test func linesOfALaterVersionAreKeptAndSaidOnce() throws {
        let tmp = TempDir("later"); defer { tmp.cleanup() }
        let path = tmp.file("replica.jsonl")
        let text = Self.text([Self.message(1)]) + Self.laterKind + "\n" + Self.text([Self.message(2, room: "#ops")])
            + Self.laterFormat + "\n"
        writeFile(path, text)
        let loaded = ReplicaFile.load(from: path)
        var streamed: [ChatMessage] = []
        var kept: [Int] = []
        let report = ReplicaScanner.scan(path, repair: true, kept: { off, _, _ in kept.append(off) }) { _, _, _, m in streamed.append(m) }
        for w in [loaded.warnings, report.warnings] {
            #expect(w == [#"replica: 2 lines of a later version of ringchat skipped (the first: line 2, kind "poll"): kept in the file, not shown; a later version reads them"#], "\(w)")
        }
        #expect(loaded.messages == [Self.message(1), Self.message(2, room: "#ops")] && streamed == loaded.messages)
        #expect(report.later == 2 && kept.count == 2 && report.goodEnd == text.utf8.count)
        #expect(readFile(path) == Array(text.utf8), "the file was changed")
        #expect(!FileManager.default.fileExists(atPath: ReplicaFile.brokenPath(for: path)))
        #expect(Array(Self.laterKind.utf8).withUnsafeBufferPointer { ReplicaLineCodec.read($0) } == .later(#"kind "poll""#))
    }

    /// Not every line that fails is of a later version: a known kind with
    /// a bad field, an unknown kind without a message id, a format below
    /// this one, stay damaged lines.
    @Test(arguments: [
        #"{"id":"000000000000000c.1.1","kind":"text","nick":"cy","ring":"1.0000000000000005.1","seq":"x","text":"t","ts":1,"v":2}"#,
        #"{"id":"nonsense","kind":"poll","text":"t","v":2}"#,
        #"{"id":"000000000000000c.1.1","kind":"text","nick":"cy","ring":"1.0000000000000005.1","seq":1,"text":"t","ts":1,"v":1}"#,
        #"["id","kind"]"#,
    ])
    func damageIsNotALaterVersion(line: String) {
        let r = Array(line.utf8).withUnsafeBufferPointer { ReplicaLineCodec.read($0) }
        #expect(r == .invalid, "\(line)")
    }

    // MARK: reconcile

    func dirs(_ tmp: TempDir, _ replicas: [[ChatMessage]], extra: [String] = []) throws -> [String] {
        try replicas.indices.map { k in
            let d = tmp.file("d\(k)")
            try StateDirectory(path: d).create()
            writeFile(d + "/replica.jsonl", Self.text(replicas[k]) + (extra.indices.contains(k) ? extra[k] : ""))
            return d
        }
    }

    /// Replicas with rooms and private messages merge keeping each line's
    /// room and kind: after `--write` every replica holds every line,
    /// byte-identical, the private ones still sealed.
    @Test func reconcileKeepsRoomsAndPrivateMessages() throws {
        let tmp = TempDir("rec-rooms"); defer { tmp.cleanup() }
        let a = Self.mixed.filter { $0.id.counter % 3 != 0 }
        let b = Self.mixed.filter { $0.id.counter % 3 != 1 }.reversed().map { $0 }
        let ds = try dirs(tmp, [a, b])
        let s = try StreamingReconciler(directories: ds)
        defer { s.close() }
        let reference = OfflineReconciler(directories: ds)
        #expect(s.result.mergedCount == 12 && reference.merged == Self.mixed)
        #expect(s.result.disagreements.isEmpty && reference.disagreements.isEmpty)
        #expect(s.result.replicas.map(\.lackCount) == [4, 4] && reference.replicas.map(\.lackCount) == [4, 4])
        let report = s.result.report(limit: 20).joined(separator: "\n")
        #expect(report.contains("#ops <n0> line 6"), "\(report)")
        #expect(report.contains("<n0> (private, "), "a private message's sealed text is not printed: \(report)")
        #expect(s.write().failures == 0)
        let written = ds.map { ReplicaFile.load(from: $0 + "/replica.jsonl").messages }
        #expect(written[0] == Self.mixed && written[1] == Self.mixed)
        #expect(readFile(ds[0] + "/replica.jsonl") == readFile(ds[1] + "/replica.jsonl"))
        #expect(written[0].filter { $0.kind == .private }.allSatisfy { $0.room == RoomName.address(of: Self.bob) && $0.text.hasPrefix("c2VhbGVk") })
    }

    /// One id in two rooms is a disagreement, named by both reconcilers;
    /// the same lowest variant is kept whatever the order of the dirs.
    @Test func oneIDInTwoRoomsDisagrees() throws {
        let tmp = TempDir("rec-room-conflict"); defer { tmp.cleanup() }
        var moved = Self.message(2, room: "#ops")
        moved.room = "#dev"
        let ds = try dirs(tmp, [[Self.message(1), Self.message(2, room: "#ops")], [Self.message(1), moved]])
        for order in [ds, ds.reversed()] {
            let s = try StreamingReconciler(directories: order)
            defer { s.close() }
            let reference = OfflineReconciler(directories: order)
            #expect(s.result.disagreements.count == 1 && reference.disagreements.count == 1, "\(s.result.disagreements) \(reference.disagreements)")
            #expect(s.result.disagreements.first?.contains("reads #ops <n0>") == true || s.result.disagreements.first?.contains("reads #dev <n0>") == true)
            #expect(reference.merged.first { $0.id.counter == 2 }?.room == "#dev", "the lowest variant by room")
        }
    }

    /// `--write` does not rewrite a replica holding a later version's
    /// lines (the merge cannot carry them): it says so; the others are
    /// written.
    @Test func reconcileWillNotDropALaterVersionsLines() throws {
        let tmp = TempDir("rec-later"); defer { tmp.cleanup() }
        let ds = try dirs(tmp, [[Self.message(1)], [Self.message(2, room: "#ops")]], extra: [Self.laterKind + "\n"])
        let before = readFile(ds[0] + "/replica.jsonl")
        let s = try StreamingReconciler(directories: ds)
        defer { s.close() }
        #expect(s.result.replicas[0].warnings.contains { $0.contains("1 line of a later version") }, "\(s.result.replicas[0].warnings)")
        let (lines, failures) = s.write()
        #expect(failures == 1)
        #expect(lines.contains { $0.hasPrefix("not written: \(ds[0])/replica.jsonl holds 1 line of a later version") }, "\(lines)")
        #expect(readFile(ds[0] + "/replica.jsonl") == before)
        #expect(ReplicaFile.load(from: ds[1] + "/replica.jsonl").messages == [Self.message(1), Self.message(2, room: "#ops")])
        let offline = OfflineReconciler(directories: ds).write()
        #expect(offline.failures == 1 && readFile(ds[0] + "/replica.jsonl") == before)
    }
}
