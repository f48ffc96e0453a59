import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    /// A node whose state dir is a 2 MiB tmpfs, filled by a file the test
    /// writes, while the group chats at a high rate (docs/STORAGE.md, "A
    /// full disk"). Root only (it mounts a tmpfs).
    @Suite struct DiskFull {
        /// The first replica write that fails is said within 1 s (a
        /// `warning` naming the replica, before any checkpoint warning);
        /// once the filler is deleted, without a restart, the node's
        /// replica holds every message the others delivered, in their order.
        @Test(.enabled(if: getuid() == 0, "needs root: mounts a 2 MiB tmpfs as a node's state dir"))
        func aFullStateDirIsSaidAtOnceAndTheReplicaEndsComplete() throws {
            let c = Cluster(label: "diskfull")
            defer { c.close() }
            let tiny = c.add("tiny")
            let others = ["alice", "bob"].map { c.add($0) }
            try FileManager.default.createDirectory(atPath: tiny.dir, withIntermediateDirectories: true)
            try #require(runCommand(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", tiny.dir]) == 0, "mount failed")
            defer {
                // The children first (their files keep the mount busy).
                for p in c.peers { p.kill() }
                if runCommand(["umount", tiny.dir]) != 0 { _ = runCommand(["umount", "-l", tiny.dir]) }
            }
            try c.startAll()
            try #require(c.waitForMembers(3), "\(c.diagnostics())")
            try #require(waitUntil(10) { c.chatPeers.allSatisfy { $0.holder != nil } }, "no token\n\(c.diagnostics())")

            // Leave 64 KiB: the chat fills the rest in a fraction of a second.
            let filler = tiny.dir + "/filler"
            let free = freeBytes(tiny.dir)
            try #require(free > 256 << 10, "only \(free) bytes free on the tmpfs after start")
            try #require(fill(filler, bytes: free - (64 << 10)), "could not write the filler")
            let filledAt = Int64(Date().timeIntervalSince1970 * 1000)

            let perPeer = 1_500
            for p in others {
                #expect(p.send((1...perPeer).map { "\(p.name) line \($0): " + String(repeating: "x", count: 80) }))
            }
            let failing = waitUntil(30) { tiny.current().contains { Self.isReplicaWarning($0) } }
            try #require(failing, "no replica warning\n\(c.diagnostics())")
            let warning = tiny.current().first { Self.isReplicaWarning($0) }!
            // When the first write failed, as the disk thread recorded it
            // (still failing: the filler is still there).
            tiny.send(["/stats"])
            try #require(waitUntil(10) { tiny.current().contains { $0.name == "stats" } }, "\(c.diagnostics())")
            let stats = tiny.current().last { $0.name == "stats" }!
            let failedAt = try #require(stats.raw["replicaFailingSince"] as? NSNumber, "stats: \(stats.raw)").int64Value
            let said = warning.at - failedAt
            print("disk full: tmpfs filled at +0 ms, first failed replica write +\(failedAt - filledAt) ms, replica warning +\(warning.at - filledAt) ms (\(said) ms after the failure): \(warning.string("message") ?? "")")
            #expect(said >= 0 && said <= 1_000, "the warning came \(said) ms after the first failed write")
            #expect(warning.string("message")?.contains("no space left on device") == true)
            #expect(warning.string("message")?.contains("state dir \(tiny.dir)") == true)
            // The replica is said first; a checkpoint warning may follow.
            let warnings = tiny.current().filter { $0.name == "warning" }
            #expect(warnings.first.map(Self.isReplicaWarning) == true, "first warning: \(warnings.first?.raw ?? [:])")
            #expect((stats.int("replicaUnwritten") ?? 0) > 0)

            // Everyone delivers everything (the group does not need tiny's disk).
            let total = 2 * perPeer
            let delivered = waitUntil(120) { c.chatPeers.allSatisfy { $0.delivered().count >= total } }
            try #require(delivered, "not all delivered: \(c.chatPeers.map { "\($0.name) \($0.delivered().count)" })\n\(c.diagnostics())")

            // Space back: the replica is completed without a restart.
            #expect(unlink(filler) == 0)
            let freedAt = Int64(Date().timeIntervalSince1970 * 1000)
            let order = others[0].delivered().compactMap { $0.string("id") }
            let complete = waitUntil(60) { loadReplica(c.replicaPath(tiny)).ordered.map(\.id.text) == order }
            let completeAt = Int64(Date().timeIntervalSince1970 * 1000)
            let r = loadReplica(c.replicaPath(tiny))
            #expect(complete, "tiny's replica holds \(r.ordered.count) of \(order.count): \(firstDifference(r.ordered.map(\.id.text), order))\n\(c.diagnostics())")
            let again = waitUntil(10) { tiny.current().contains { $0.name == "notice" && ($0.string("message") ?? "").hasPrefix("the replica is written again") } }
            #expect(again, "no notice that the replica is written again\n\(c.diagnostics())")
            print("disk full: space freed, replica complete (\(r.ordered.count) messages in \(r.lines) lines) \(completeAt - freedAt) ms later (polled every 50 ms, file parsed each time)")
            #expect(tiny.current().filter { $0.name == "restored" }.count == 1, "no restart")

            for p in c.peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            let final = loadReplica(c.replicaPath(tiny)), theirs = loadReplica(c.replicaPath(others[0]))
            let same = final.ordered == theirs.ordered
            #expect(same, "tiny's replica differs from \(others[0].name)'s: \(firstDifference(final.ordered.map(\.id.text), theirs.ordered.map(\.id.text)))")
            #expect(final.lines == final.ordered.count, "\(final.lines) lines for \(final.ordered.count) messages")
        }

        static func isReplicaWarning(_ e: Event) -> Bool {
            e.name == "warning" && (e.string("message") ?? "").hasPrefix("the replica cannot be written")
        }
    }
}

/// Runs a command (by path lookup) and returns its exit status.
private func runCommand(_ argv: [String]) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    do { try p.run() } catch { return -1 }
    p.waitUntilExit()
    return p.terminationStatus
}

private func freeBytes(_ path: String) -> Int {
    var s = statvfs()
    guard statvfs(path, &s) == 0 else { return 0 }
    return Int(s.f_bavail) * Int(s.f_bsize)
}

/// Writes `bytes` zero bytes to a new file at `path`.
private func fill(_ path: String, bytes: Int) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let chunk = [UInt8](repeating: 0, count: 64 << 10)
    var left = bytes
    while left > 0 {
        let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min(left, $0.count)) }
        if n <= 0 { return false }
        left -= n
    }
    return true
}
