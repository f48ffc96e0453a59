import Foundation
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage

/// replica.search.sqlite (FTS5): built from the replica, followed as it
/// grows, rebuilt when it no longer matches, and its answers against a
/// brute-force scan of the lines.
@Suite struct SearchIndexTests {
    static let ring = RingID(epoch: 1, creator: NodeID(7), incarnation: 1)

    static func message(_ k: Int, nick: String, text: String) -> ChatMessage {
        ChatMessage(id: MessageID(origin: NodeID(7), incarnation: 1, counter: UInt32(k)), nick: nick, text: text,
                    slot: Slot(ring: ring, seq: UInt64(k)), timestamp: Int64(k) * 1_000)
    }

    static let words = ["apple", "banana", "Café", "déjà", "vu", "token", "ring", "日本語", "hello", "world"]

    static func texts(_ n: Int, from start: Int = 1) -> [ChatMessage] {
        (start..<(start + n)).map { k in
            let text = (0..<3).map { words[(k * ($0 + 3) + $0) % words.count] }.joined(separator: " ") + " #\(k)"
            return message(k, nick: k % 3 == 0 ? "bob" : "alice", text: text)
        }
    }

    final class Dir {
        let path: String
        init() {
            var t = Array("/tmp/ringchat-search-XXXXXX".utf8CString)
            path = String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var replica: String { path + "/replica.jsonl" }
        func append(_ ms: [ChatMessage]) {
            let h = FileHandle(forWritingAtPath: replica) ?? {
                FileManager.default.createFile(atPath: replica, contents: nil)
                return FileHandle(forWritingAtPath: replica)!
            }()
            h.seekToEndOfFile()
            h.write(Data(ms.flatMap { ReplicaLineCodec.line(for: $0) }))
            h.closeFile()
        }
    }

    func brute(_ ms: [ChatMessage], _ words: [String]) -> [Int] {
        func fold(_ s: String) -> String { s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        return ms.filter { m in
            let tokens = Set((fold(m.nick) + " " + fold(m.text)).split { !$0.isLetter && !$0.isNumber }.map(String.init))
            return words.allSatisfy { tokens.contains(fold($0)) }
        }.map { Int($0.id.counter) }.reversed()
    }

    @Test func findsWhatABruteForceScanFinds() throws {
        let dir = Dir()
        let ms = Self.texts(3_000)
        dir.append(ms)
        let idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        #expect(try idx.catchUp(batch: 500) == 3_000)
        for q in ["apple", "APPLE banana", "cafe", "deja vu", "bob token", "日本語", "hello world ring", "nothing"] {
            let query = try #require(SearchQuery(q))
            let hits = try idx.search(query, limit: 10_000).map { Int($0.message.id.counter) }
            #expect(hits == brute(ms, query.words), "\(q)")
        }
        // Pages: newest first, each before the last hit of the one above.
        let q = try #require(SearchQuery("apple"))
        let all = try idx.search(q, limit: 10_000)
        var paged: [SearchHit] = []
        while true {
            let page = try idx.search(q, before: paged.last?.offset, limit: 100)
            paged += page
            if page.count < 100 { break }
        }
        #expect(paged == all && all.count > 100)
    }

    @Test func followsTheReplicaAndRebuildsWhenItChanged() throws {
        let dir = Dir()
        dir.append(Self.texts(100))
        var idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        try idx.catchUp()
        dir.append([Self.message(101, nick: "carol", text: "zebra crossing")])
        #expect(idx.behind() > 0)
        try idx.catchUp()
        #expect(try idx.search(#require(SearchQuery("zebra")), limit: 10).map(\.message.text) == ["zebra crossing"])
        #expect(idx.indexedLines == 101)
        idx.close()
        // Reopened: it covers the same lines, nothing to do.
        idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        #expect(idx.indexedLines == 101 && idx.behind() == 0)
        idx.close()
        // The replica rewritten (reconcile --write): rebuilt from the start.
        try? FileManager.default.removeItem(atPath: dir.replica)
        dir.append([Self.message(1, nick: "dave", text: "only line")])
        idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        #expect(idx.indexedLines == 0)
        try idx.catchUp()
        #expect(try idx.search(#require(SearchQuery("zebra")), limit: 10).isEmpty)
        #expect(try idx.search(#require(SearchQuery("nick:dave")), limit: 10).count == 1)
        // A damaged file is started again.
        idx.close()
        ReplicaIndex.remove(dir.path + "/s.sqlite")
        FileManager.default.createFile(atPath: dir.path + "/s.sqlite", contents: Data(repeating: 0x41, count: 4096))
        idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        try idx.catchUp()
        #expect(idx.indexedLines == 1)
    }

    @Test func aQueryIsNeverFTSSyntax() throws {
        #expect(SearchQuery("   ") == nil)
        #expect(SearchQuery("-- ! ?") == nil)
        #expect(SearchQuery("a\"b OR NEAR(")?.fts == #""a""b" AND "OR" AND "NEAR(""#)
        #expect(SearchQuery("tok* nick:bob")?.fts == #""tok" * AND nick : "bob""#)
        let dir = Dir()
        dir.append(Self.texts(10))
        let idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        try idx.catchUp()
        for q in ["a\"b OR NEAR(", "AND", "x:y", "tok*", "(((", "nick:", "text:hello"] {
            if let query = SearchQuery(q) { _ = try idx.search(query, limit: 10) }   // never an error
        }
        #expect(try idx.search(#require(SearchQuery("hel*")), limit: 100).count == brute(Self.texts(10), ["hello"]).count)
    }
}
