import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct NodeFileTests {
    @Test func createsThenBumpsIncarnation() throws {
        let dir = TempDir("node"); defer { dir.cleanup() }
        var draws = 0
        let first = try NodeFile.start(in: dir.path, nick: "ann") { draws += 1; return 0x1234 }
        #expect(first.node == NodeID(0x1234))
        #expect(first.incarnation == 1)
        let second = try NodeFile.start(in: dir.path, nick: "ann2") { draws += 1; return 0x9999 }
        let third = try NodeFile.start(in: dir.path, nick: "ann2") { draws += 1; return 0x9999 }
        #expect(second.node == first.node && third.node == first.node)
        #expect(second.incarnation == 2 && third.incarnation == 3)
        #expect(draws == 1, "the id is drawn once, on first start")
        let c = try #require(try NodeFile.read(in: dir.path))
        #expect(c == NodeFile.Contents(node: NodeID(0x1234), incarnation: 3, nick: "ann2"))
        let text = String(decoding: try #require(readFile(dir.file("node.json"))), as: UTF8.self)
        #expect(text == "{\"incarnation\":3,\"nick\":\"ann2\",\"node\":\"0000000000001234\"}\n")
        #expect(!FileIO.exists(dir.file("node.json.tmp")))
    }

    @Test(arguments: ["", "{", "{\"node\":\"xyz\",\"incarnation\":1,\"nick\":\"a\"}",
                      "{\"node\":\"0000000000001234\",\"incarnation\":-1,\"nick\":\"a\"}", "[1,2]"])
    func corruptFileIsAClearError(contents: String) throws {
        let dir = TempDir("node"); defer { dir.cleanup() }
        writeFile(dir.file("node.json"), contents)
        #expect {
            _ = try NodeFile.start(in: dir.path, nick: "a") { 1 }
        } throws: { e in
            (e as? NodeFileError)?.message.contains("corrupt") == true
        }
        #expect(readFile(dir.file("node.json")) == Array(contents.utf8), "a corrupt identity is left for the user to inspect")
    }

    @Test func unwritableDirectoryIsAnError() {
        #expect(throws: NodeFileError.self) {
            _ = try NodeFile.start(in: "/proc/ringchat-nope", nick: "a") { 1 }
        }
    }
}
