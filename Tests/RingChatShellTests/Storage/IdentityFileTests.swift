import Foundation
import Glibc
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage

@Suite struct IdentityFileTests {
    @Test func aKeyIsMadeOnceThenReadBack() throws {
        let tmp = TempDir("idkey")
        defer { tmp.cleanup() }
        let first = try IdentityFile.loadOrCreate(in: tmp.path)
        #expect(first.created)
        let again = try IdentityFile.loadOrCreate(in: tmp.path)
        #expect(!again.created && again.key.publicKey == first.key.publicKey)
        var st = stat()
        #expect(stat(tmp.file(IdentityFile.name), &st) == 0 && st.st_mode & 0o777 == 0o600)
    }

    @Test func aFileOthersMayReadIsRefused() throws {
        let tmp = TempDir("idkey")
        defer { tmp.cleanup() }
        _ = try IdentityFile.loadOrCreate(in: tmp.path)
        chmod(tmp.file(IdentityFile.name), 0o644)
        #expect(throws: IdentityFileError.self) { try IdentityFile.loadOrCreate(in: tmp.path) }
    }

    @Test func aCorruptFileIsRefusedNotReplaced() throws {
        let tmp = TempDir("idkey")
        defer { tmp.cleanup() }
        let path = tmp.file(IdentityFile.name)
        FileManager.default.createFile(atPath: path, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: IdentityFileError.self) { try IdentityFile.loadOrCreate(in: tmp.path) }
        #expect(FileManager.default.contents(atPath: path) == Data("not a key\n".utf8))
    }

    @Test func knownPeersSurviveASaveAndLoad() throws {
        let tmp = TempDir("known")
        defer { tmp.cleanup() }
        var peers = KnownPeers()
        let k1 = IdentityKey.generate().publicKey, k2 = IdentityKey.generate().publicKey
        _ = peers.observe(NodeID(1), nick: "bob", key: k1, now: 10)
        _ = peers.observe(NodeID(2), nick: "carol", key: k1, now: 11)
        _ = peers.observe(NodeID(2), nick: "carol", key: k2, now: 12)
        let file = KnownPeersFile(directory: tmp.path)
        file.save(peers)
        file.close()
        let (back, warning) = KnownPeersFile(directory: tmp.path).load()
        #expect(warning == nil)
        #expect(back == peers)
    }

    @Test func aCorruptKnownPeersFileIsAWarningAndAnEmptyList() throws {
        let tmp = TempDir("known")
        defer { tmp.cleanup() }
        FileManager.default.createFile(atPath: tmp.file(KnownPeersFile.name), contents: Data("{".utf8))
        let (peers, warning) = KnownPeersFile(directory: tmp.path).load()
        #expect(peers.entries.isEmpty && warning != nil)
    }
}
