import Foundation
import Glibc
import Testing

extension EndToEnd {
    @Suite struct StuckReader {
        /// A headless node whose stdout nobody reads (a FIFO whose reader
        /// never reads, with a 64 KiB output queue) types 2,000 lines: it
        /// stays in the ring and keeps the token moving (its peer delivers
        /// every line, and a line of its own after them), its replica holds
        /// every line, and SIGTERM still ends it cleanly.
        @Test func aNodeWhoseOutputIsNotReadStaysLiveAndStops() throws {
            let c = Cluster(label: "stuck")
            defer { c.close() }
            let alice = c.add("alice")
            let stuck = c.add("stuck")
            stuck.prefix = ["/usr/bin/env", "RINGCHAT_OUTPUT_QUEUE_BYTES=65536"]
            let fifo = c.root + "/stuck.0.out"
            try #require(mkfifo(fifo, 0o600) == 0, "mkfifo: \(errno)")
            // Hold the read end open and never read: writes fill the pipe, then block.
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            try #require(reader >= 0)
            defer { close(reader) }
            try c.startAll()
            try #require(waitUntil(15) { alice.lastStatus?.members.count == 2 }, "no ring of two\n\(c.diagnostics())")

            let n = 2_000
            stuck.send((1...n).map { "stuck line \($0)" })
            let all = waitUntil(60) { alice.delivered().count >= n }
            try #require(all, "alice delivered \(alice.delivered().count) of \(n)\n\(alice.tail())")
            // Still a member, still passing the token.
            alice.send(["alice after the burst"])
            try #require(waitUntil(15) { alice.delivered().contains { $0.string("text") == "alice after the burst" } })
            #expect(alice.lastStatus?.members.count == 2, "the stuck node left the ring")

            let t0 = now()
            let code = stuck.stop(timeout: 10 * patience)
            #expect(code == 0, "SIGTERM did not stop the node whose stdout is stuck (exit \(String(describing: code)), \(now() - t0) s)")
            let texts = Set(loadReplica(c.replicaPath(stuck)).ordered.map(\.text))
            let missing = (1...n).filter { !texts.contains("stuck line \($0)") }
            #expect(missing.isEmpty, "the stuck node's replica lacks \(missing.count) of its lines")
            #expect(texts.contains("alice after the burst"))
            #expect(alice.stop() == 0)
        }
    }
}
