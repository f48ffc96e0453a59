import Glibc
import Synchronization
import Testing
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct OutputQueueTests {
    /// A sink that blocks while `stuck` is set, like a pipe nobody reads.
    final class Sink: Sendable {
        let written = Locked<[String]>([])
        let stuck = Locked(true)
        let entered = Locked(false)
        func write(_ s: String) {
            entered.update { $0 = true }
            while stuck.value { usleep(1_000) }
            written.update { $0.append(s) }
        }
        var text: String { written.value.joined() }
    }

    @Test func linesComeOutInOrder() {
        let sink = Sink()
        sink.stuck.update { $0 = false }
        let q = OutputQueue(sink: { sink.write(String(decoding: $0, as: UTF8.self)) })
        for i in 0..<1000 { q.enqueue("line \(i)\n") }
        #expect(q.close(timeout: .seconds(30)))
        #expect(sink.text == (0..<1000).map { "line \($0)\n" }.joined())
        #expect(q.dropped == 0)
    }

    /// With the reader stuck, enqueueing never blocks; the oldest lines
    /// beyond the capacity are dropped, and a notice with their number
    /// comes out before the newest lines once the reader moves again.
    @Test func aStuckReaderCostsTheOldestLinesAndOneNotice() {
        let sink = Sink()
        let q = OutputQueue(capacity: 100, sink: { sink.write(String(decoding: $0, as: UTF8.self)) })
        q.dropNotice = { "dropped \($0)\n" }
        q.enqueue("first\n")
        // The writer takes "first" and blocks on it.
        while !sink.entered.value { usleep(1_000) }
        for i in 0..<50 { q.enqueue(String(format: "line %02d\n", i)) }   // 8 bytes each: 12 fit
        #expect(q.dropped >= 38)
        sink.stuck.update { $0 = false }
        #expect(q.close(timeout: .seconds(30)))
        let out = sink.text
        #expect(out.hasPrefix("first\n"), "\(out)")
        #expect(out.contains("dropped \(q.dropped)\n"), "\(out)")
        #expect(out.hasSuffix("line 49\n"))
        let kept = out.split(separator: "\n").filter { $0.hasPrefix("line ") }
        #expect(kept.count == 50 - q.dropped && kept.count == 12)
    }

    /// With room in the pipe and nothing queued, a small batch is written
    /// by the caller at once (no thread hand-off); once the pipe is full,
    /// batches queue for the thread and come out after, in order.
    @Test func aBatchGoesStraightToAPipeWithRoom() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let sink = Sink()
        let q = OutputQueue(directFD: fds[1], sink: { sink.write(String(decoding: $0, as: UTF8.self)) })
        q.enqueue("direct\n")
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &buf, buf.count)
        #expect(String(decoding: buf[0..<max(0, n)], as: UTF8.self) == "direct\n")
        #expect(!sink.entered.value, "the thread wrote a batch the caller could write")
        sink.stuck.update { $0 = false }
        #expect(q.close(timeout: .seconds(5)))
    }

    @Test func closeGivesUpOnAReaderThatNeverReads() {
        let sink = Sink()
        let q = OutputQueue(sink: { sink.write(String(decoding: $0, as: UTF8.self)) })
        q.enqueue("never read\n")
        #expect(q.close(timeout: .milliseconds(200)) == false)
        sink.stuck.update { $0 = false }   // let the thread finish
    }
}
