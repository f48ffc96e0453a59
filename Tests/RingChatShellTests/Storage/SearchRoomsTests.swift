import Foundation
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage

/// `/search` per room: the index's room column, the query's room filter,
/// private messages never indexed, and an index of the format before rooms
/// built again.
@Suite struct SearchRoomsTests {
    typealias S = SearchIndexTests

    static func message(_ k: Int, _ text: String, room: String, kind: MessageKind = .text) -> ChatMessage {
        var m = S.message(k, nick: "alice", text: text)
        m.room = room
        m.kind = kind
        return m
    }

    /// Lines in the lobby, #ops, #dev-ops (a name the tokenizer would cut
    /// at `-`) and one private message whose text (the sealed box in a real
    /// replica) holds a word: 1-based counters, newest found first.
    static let lines: [ChatMessage] = [
        message(1, "hello lobby", room: RoomName.lobby),
        message(2, "hello ops", room: "#ops"),
        message(3, "hello devops", room: "#dev-ops"),
        message(4, "zebra hello", room: RoomName.address(of: NodeID(9)), kind: .private),
        message(5, "ops again hello", room: "#ops"),
        message(6, "hello dev ops", room: "#dev"),
    ]

    func counters(_ idx: SearchIndex, _ text: String, room: String? = nil) throws -> [UInt32] {
        let q = try #require(SearchQuery(text, room: room))
        return try idx.search(q, limit: 50).map(\.message.id.counter)
    }

    @Test func aRoomFilterFindsThatRoomsLinesOnly() throws {
        let dir = S.Dir()
        dir.append(Self.lines)
        let idx = try SearchIndex(path: dir.path + "/s.sqlite", replicaPath: dir.replica)
        #expect(try idx.catchUp() == 5, "the private message is passed over")
        #expect(idx.indexedLines == 6, "and still covered: the index follows the replica past it")
        #expect(try counters(idx, "hello") == [6, 5, 3, 2, 1])
        #expect(try counters(idx, "hello", room: "#ops") == [5, 2])
        #expect(try counters(idx, "hello", room: RoomName.lobby) == [1])
        #expect(try counters(idx, "hello", room: "#dev-ops") == [3])
        #expect(try counters(idx, "hello", room: "#dev") == [6])
        #expect(try counters(idx, "hello", room: "#nowhere") == [])
        // A word finds the words of lines, never a room's name or token.
        #expect(try counters(idx, "ops") == [6, 5, 2])
        #expect(try counters(idx, "r6f7073") == [] && counters(idx, "r") == [])
        #expect(try counters(idx, "nick:alice", room: "#ops") == [5, 2])
        // Hits carry their room (read back from the replica).
        #expect(try idx.search(#require(SearchQuery("again")), limit: 5).first?.message.room == "#ops")
    }

    /// A private message is never indexed: not found, even by its own
    /// words, and none of them is in the index file.
    @Test func privateMessagesAreNeverIndexed() throws {
        let dir = S.Dir()
        dir.append(Self.lines)
        let path = dir.path + "/s.sqlite"
        let idx = try SearchIndex(path: path, replicaPath: dir.replica)
        try idx.catchUp()
        #expect(try counters(idx, "zebra") == [])
        idx.close()
        for f in [path, path + "-wal"] {
            let bytes = FileManager.default.contents(atPath: f).map { Array($0) } ?? []
            #expect(!String(decoding: bytes, as: UTF8.self).contains("zebra"), "\(f) holds a private message's word")
        }
    }

    /// An index of format 1 (nick and text, no room) is deleted and built
    /// again from the replica, with rooms.
    @Test func anIndexWithoutRoomsIsBuiltAgain() throws {
        let dir = S.Dir()
        dir.append(Self.lines)
        let path = dir.path + "/s.sqlite"
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("""
                CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
                CREATE VIRTUAL TABLE line USING fts5(nick, text, content='', columnsize=0);
                INSERT INTO meta VALUES ('format', 1), ('lines', 0), ('bytes', 0), ('tail', 0);
                """)
            db.close()
        }
        let idx = try SearchIndex(path: path, replicaPath: dir.replica)
        #expect(idx.indexedLines == 0)
        try idx.catchUp()
        #expect(try counters(idx, "hello", room: "#ops") == [5, 2])
    }

    /// The expression handed to FTS5: words in nick and text only, the
    /// room as one token (the hex of its name).
    @Test func theMatchExpression() throws {
        #expect(SearchIndex.roomToken(RoomName.lobby) == "r")
        #expect(SearchIndex.roomToken("#ops") == "r6f7073")
        #expect(SearchIndex.roomToken("#a-b") == "r612d62")
        let q = try #require(SearchQuery("deploy", room: "#ops"))
        #expect(SearchIndex.match(q) == #"{nick text} : ("deploy") AND room : "r6f7073""#)
        #expect(SearchIndex.match(try #require(SearchQuery("deploy"))) == #"{nick text} : ("deploy")"#)
    }
}
