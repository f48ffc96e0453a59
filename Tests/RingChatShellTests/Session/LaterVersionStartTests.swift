import Foundation
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// A node started on a replica that holds a line of a later version (a
/// downgrade, or a copied state dir): it starts, says so once when it
/// reads the line, keeps the line where it is and appends after it.
extension NodeHostTests {
    @Test func aNodeStartsOnALaterVersionsLineAndKeepsIt() throws {
        var ring = try Ring("later-start")
        defer { ring.close() }
        let dir = ring.tmp.file("al")
        try StateDirectory(path: dir).create()
        let old = ChatMessage(id: MessageID(origin: NodeID(0x0c), incarnation: 1, counter: 1), nick: "cy", text: "before",
                              room: "#ops", slot: Slot(ring: RingID(epoch: 1, creator: NodeID(0x0c), incarnation: 1), seq: 1),
                              timestamp: 1_700_000_000_000)
        let later = #"{"id":"000000000000000c.1.2","kind":"poll","nick":"cy","ring":"1.000000000000000c.1","seq":2,"text":"lunch?","ts":1700000000001,"v":2}"#
        let start = String(decoding: ReplicaLineCodec.line(for: old), as: UTF8.self) + later + "\n"
        writeFile(dir + "/replica.jsonl", start)
        for round in 1...2 {
            let (h, r) = try ring.start("al")
            let said = r.restored.first?.warnings.filter { $0.contains("of a later version of ringchat") } ?? []
            // Said when the line is read: at the first start; the second
            // reads no line at all (its checkpoint covers the file).
            #expect(said.count == (round == 1 ? 1 : 0), "round \(round): \(r.restored.first?.warnings ?? [])")
            #expect(h.history().map(\.text).first == "before" && h.history().first?.room == "#ops")
            h.type("after \(round)")
            #expect(try run(ring.loop) { r.delivered.contains { $0.text == "after \(round)" } })
            h.shutdown()
        }
        let text = String(decoding: readFile(dir + "/replica.jsonl") ?? [], as: UTF8.self)
        #expect(text.hasPrefix(start), "the line of a later version was moved or cut:\n\(text)")
        let after = text.dropFirst(start.count).split(separator: "\n").compactMap { ReplicaLineCodec.decode(Array($0.utf8))?.text }
        #expect(after == ["after 1", "after 2"])
        #expect(!FileManager.default.fileExists(atPath: ReplicaFile.brokenPath(for: dir + "/replica.jsonl")))
    }
}
