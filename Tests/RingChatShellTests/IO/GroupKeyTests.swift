import Foundation
import Glibc
import Testing
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct GroupKeyTests {
    func write(_ text: String, mode: mode_t, in dir: TempDir, name: String = "key") -> String {
        let path = dir.file(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        chmod(path, mode)
        return path
    }

    @Test func aGeneratedKeyRoundTripsThroughItsFile() throws {
        let dir = TempDir("key"); defer { dir.cleanup() }
        let k = GroupKey.generate()
        let path = write(k.fileText, mode: 0o600, in: dir)
        let back = try GroupKey.load(from: path)
        #expect(back.bytes == k.bytes && back.fingerprint == k.fingerprint)
        #expect(k.fingerprint.count == 8)
        #expect(GroupKey.generate().bytes != k.bytes)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o666] as [mode_t])
    func aKeyFileOpenToOthersIsRefused(mode: mode_t) throws {
        let dir = TempDir("key"); defer { dir.cleanup() }
        let path = write(GroupKey.generate().fileText, mode: mode, in: dir)
        let error = #expect(throws: GroupKeyError.self) { try GroupKey.load(from: path) }
        #expect(error?.message.contains("chmod 600") == true, "\(String(describing: error))")
    }

    @Test(arguments: ["", "not base64 at all\n", "AAAA\n", "# only a comment\n",
                      "\(Data(repeating: 1, count: 32).base64EncodedString())\n\(Data(repeating: 2, count: 32).base64EncodedString())\n"])
    func aFileThatIsNotAKeyIsRefusedWithAReason(text: String) throws {
        let dir = TempDir("key"); defer { dir.cleanup() }
        let path = write(text, mode: 0o600, in: dir)
        #expect(throws: GroupKeyError.self) { try GroupKey.load(from: path) }
    }

    @Test func aMissingFileSaysSo() {
        let error = #expect(throws: GroupKeyError.self) { try GroupKey.load(from: "/nonexistent/ringchat.key") }
        #expect(error?.message.contains("cannot read the key file") == true)
    }
}

@Suite struct ReplayWindowTests {
    /// Feeds `counters` in order; whether each was accepted.
    func accepted(_ counters: [UInt64]) -> [Bool] {
        var w = ReplayWindow()
        return counters.map { w.accept($0) }
    }

    @Test func eachCounterIsAcceptedOnceInAnyOrderWithinTheWindow() {
        let width = ReplayWindow.width
        #expect(accepted([100, 102, 101, 101, 100]) == [true, true, true, false, false])
        #expect(accepted([102, 102 - width + 1, 102 - width]) == [true, true, false], "older than the window")
        #expect(accepted([1, 1_000, 1_000 - width, 1_000 - width + 1, 1_000 - width + 1]) == [true, true, false, true, false])
    }

    @Test func extremeCountersDoNotTrap() {
        #expect(accepted([0, UInt64.max, UInt64.max, 0, UInt64.max - 1]) == [true, true, false, false, true])
    }
}
