import Testing
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct StateDirectoryTests {
    @Test func defaultPathPrefersXDG() throws {
        #expect(try StateDirectory.defaultPath(nick: "ann", environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/home/a"])
                == "/x/state/ringchat/ann")
        #expect(try StateDirectory.defaultPath(nick: "ann", environment: ["HOME": "/home/a"])
                == "/home/a/.local/state/ringchat/ann")
        // Relative XDG values are invalid per the spec and ignored.
        #expect(try StateDirectory.defaultPath(nick: "ann", environment: ["XDG_STATE_HOME": "rel", "HOME": "/home/a"])
                == "/home/a/.local/state/ringchat/ann")
        #expect(throws: StateDirectoryError.self) { _ = try StateDirectory.defaultPath(nick: "a", environment: [:]) }
    }

    @Test(arguments: [("ann", "ann"), ("zoë", "zoë"), ("../etc", "_.._etc"), ("a/b", "a_b"), (".", "_."), ("", "_"),
                      ("..", "_..")])
    func nickBecomesOneSafeComponent(nick: String, expected: String) {
        #expect(StateDirectory.pathComponent(forNick: nick) == expected)
    }

    @Test func createMakesIntermediateDirsAndNamesFiles() throws {
        let tmp = TempDir("state"); defer { tmp.cleanup() }
        let dir = try StateDirectory(path: tmp.path + "/a/b/ringchat/ann/").create()
        #expect(dir.path == tmp.path + "/a/b/ringchat/ann")
        #expect(FileIO.exists(dir.path))
        #expect(dir.replicaPath.hasSuffix("/ann/replica.jsonl"))
        #expect(dir.nodePath.hasSuffix("/ann/node.json"))
        #expect(dir.checkpointPath.hasSuffix("/ann/checkpoint.json"))
        #expect(dir.previousCheckpointPath.hasSuffix("/ann/checkpoint.prev.json"))
        try dir.create() // again: fine
    }

    @Test func notADirectoryOrNotWritableIsAClearError() throws {
        let tmp = TempDir("state"); defer { tmp.cleanup() }
        writeFile(tmp.file("file"), "x")
        #expect {
            try StateDirectory(path: tmp.file("file")).create()
        } throws: { e in
            (e as? StateDirectoryError)?.message.contains("not a directory") == true
        }
        #expect(throws: StateDirectoryError.self) { try StateDirectory(path: "/proc/ringchat-nope/x").create() }
    }
}
