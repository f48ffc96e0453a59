import Testing
import Glibc
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// Serialized: each test blocks its thread in `run()`, and only one loop per
/// process may own the signals.
@Suite(.serialized) struct EventLoopTests {
    /// Stops the loop after `seconds` so that a broken test fails instead of hanging.
    func guardTimeout(_ loop: EventLoop, seconds: Int64 = 5) -> Locked<Bool> {
        let fired = Locked(false)
        loop.schedule(at: EventLoop.monotonicNow() + .seconds(seconds)) {
            fired.update { $0 = true }
            loop.stop()
        }
        return fired
    }

    @Test func timerFiresNotBeforeItsDeadline() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        let start = EventLoop.monotonicNow()
        var firedAt: Instant?
        loop.schedule(at: start + .milliseconds(30)) {
            firedAt = EventLoop.monotonicNow()
            loop.stop()
        }
        try loop.run()
        #expect(!timedOut.value)
        let f = try #require(firedAt)
        #expect(f - start >= .milliseconds(30))
        #expect(f - start < .seconds(2))
    }

    @Test func timersRunInDeadlineOrderAndCancelWorks() throws {
        let loop = try EventLoop()
        _ = guardTimeout(loop)
        let now = EventLoop.monotonicNow()
        var order: [String] = []
        loop.schedule(at: now + .milliseconds(20)) { order.append("b") }
        let c = loop.schedule(at: now + .milliseconds(10)) { order.append("cancelled") }
        loop.schedule(at: now + .milliseconds(5)) { order.append("a") }
        loop.schedule(at: now + .milliseconds(30)) { order.append("end"); loop.stop() }
        loop.cancel(c)
        try loop.run()
        #expect(order == ["a", "b", "end"])
        #expect(loop.nextDeadline != nil) // the guard timer is still pending
    }

    @Test func postFromAnotherThreadRunsOnTheLoopThread() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        let loopThread = pthread_self()
        let ranOn = Locked<pthread_t?>(nil)
        let count = Locked(0)
        let handle = loop.handle
        startThread {
            for i in 0..<100 {
                handle.post {
                    let n = count.update { $0 += 1; return $0 }
                    if i == 99 {
                        ranOn.update { $0 = pthread_self() }
                        #expect(n == 100)
                        handle.stop()
                    }
                }
            }
        }
        try loop.run()
        #expect(!timedOut.value)
        #expect(count.value == 100)
        let t = try #require(ranOn.value)
        #expect(pthread_equal(t, loopThread) != 0)
    }

    @Test func stopFromAnotherThreadEndsRun() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        let handle = loop.handle
        startThread {
            usleep(20_000)
            handle.stop()
        }
        try loop.run()
        #expect(!timedOut.value)
    }

    @Test func stopBeforeRunEndsItAtOnceAndTheLoopCanRunAgain() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        loop.stop()
        try loop.run()
        #expect(!timedOut.value)
        var ran = false
        loop.post { }
        loop.schedule(at: EventLoop.monotonicNow()) { ran = true; loop.stop() }
        try loop.run()
        #expect(ran)
    }

    @Test func readableFdRunsItsHandler() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var got: [UInt8] = []
        loop.register(fd: fds[0]) {
            var b = [UInt8](repeating: 0, count: 16)
            let n = read(fds[0], &b, 16)
            got += b[0..<max(n, 0)]
            loop.unregister(fd: fds[0])
            loop.stop()
        }
        let w = fds[1]
        startThread {
            usleep(10_000)
            var msg: [UInt8] = [7, 8, 9]
            _ = write(w, &msg, 3)
        }
        try loop.run()
        #expect(!timedOut.value)
        #expect(got == [7, 8, 9])
    }

    @Test func raisedSignalReachesOnSignal() throws {
        let loop = try EventLoop()
        let timedOut = guardTimeout(loop)
        loop.handleSignals([SIGUSR1])
        defer { loop.restoreSignals() }
        var seen: [Int32] = []
        loop.onSignal = { sig in
            seen.append(sig)
            loop.stop()
        }
        // kill(getpid()) rather than raise(): the test runs on a pool
        // thread that blocks signals, so a thread-directed raise() would stay
        // pending; a process-directed signal goes to a thread that accepts
        // it, as SIGINT from a terminal does.
        loop.schedule(at: EventLoop.monotonicNow() + .milliseconds(5)) {
            kill(getpid(), SIGUSR1)
        }
        try loop.run()
        #expect(!timedOut.value)
        #expect(seen == [SIGUSR1])
    }

    @Test func clocksLookSane() {
        let a = EventLoop.monotonicNow()
        let b = EventLoop.monotonicNow()
        #expect(b >= a)
        // After 2020-01-01 and before 2100.
        let ms = EventLoop.wallClockMillis()
        #expect(ms > 1_577_836_800_000 && ms < 4_102_444_800_000)
    }
}
