import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct FaultInjectorTests {
    func packet(_ i: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(i).bigEndian) { Array($0) } }
    func number(_ p: [UInt8]) -> Int { p.reduce(0) { $0 << 8 | Int($1) } }

    /// Feeds `n` packets one ms apart, then drains at the end of time.
    func run(_ spec: FaultSpec, seed: UInt64, n: Int) -> (out: [Int], inj: FaultInjector) {
        var inj = FaultInjector(spec: spec, seed: seed)
        var out: [Int] = []
        for i in 0..<n {
            let now = Instant.milliseconds(Int64(i))
            out += inj.due(now: now).map(number)
            out += inj.ingest(packet(i), now: now).map(number)
        }
        out += inj.due(now: .milliseconds(1_000_000)).map(number)
        return (out, inj)
    }

    @Test func noFaultsPassesStraightThrough() {
        var inj = FaultInjector(spec: .none, seed: 1)
        for i in 0..<1000 {
            #expect(inj.ingest(packet(i), now: .zero) == [packet(i)])
        }
        #expect(inj.pending == 0)
        #expect(inj.nextDeadline == nil)
        #expect(inj.due(now: .milliseconds(1_000_000)).isEmpty)
        #expect(inj.received == 1000 && inj.dropped == 0 && inj.delayed == 0)
    }

    @Test func seededRunsAreReproducible() {
        let spec = FaultSpec(delayMin: .milliseconds(20), delayMax: .milliseconds(300), loss: 0.1, dup: 0.1)
        let a = run(spec, seed: 42, n: 2000)
        let b = run(spec, seed: 42, n: 2000)
        let c = run(spec, seed: 43, n: 2000)
        #expect(a.out == b.out)
        #expect(a.out != c.out)
    }

    @Test(arguments: [0.0, 0.05, 0.3, 1.0])
    func lossRateIsCloseToP(p: Double) {
        let n = 10_000
        let r = run(FaultSpec(loss: p), seed: 7, n: n)
        let rate = Double(r.inj.dropped) / Double(n)
        // Binomial sd at p=0.3 is 0.0046; 0.02 is over 4 sd.
        #expect(abs(rate - p) < 0.02, "loss rate \(rate) for p=\(p)")
        #expect(r.out.count == n - r.inj.dropped)
    }

    @Test func duplicatesGetTheirOwnDelay() {
        let spec = FaultSpec(delayMin: .milliseconds(10), delayMax: .milliseconds(500), dup: 1.0)
        var inj = FaultInjector(spec: spec, seed: 3)
        #expect(inj.ingest([1], now: .zero).isEmpty)
        #expect(inj.pending == 2)
        #expect(inj.duplicated == 1)
        var times: [Instant] = []
        while let d = inj.nextDeadline {
            times.append(d)
            #expect(inj.due(now: d).count >= 1)
        }
        #expect(times.count == 2)
        #expect(times[0] != times[1]) // independent draws (equal only with odds ~1/490M)
    }

    @Test func delaysStayInBoundsAndReorder() {
        let lo: Int64 = 20, hi: Int64 = 300
        var inj = FaultInjector(spec: FaultSpec(delayMin: .milliseconds(lo), delayMax: .milliseconds(hi)), seed: 9)
        var sentAt: [Int: Instant] = [:]
        var out: [Int] = []
        for i in 0..<1000 {
            let now = Instant.milliseconds(Int64(i))
            sentAt[i] = now
            #expect(inj.ingest(packet(i), now: now).isEmpty)
        }
        // Step the clock 1 ms at a time and check every delivery's delay.
        var now = Instant.zero
        while inj.pending > 0 {
            for p in inj.due(now: now).map(number) {
                let delay = now - sentAt[p]!
                #expect(delay >= .milliseconds(lo) && delay <= .milliseconds(hi + 1))
                out.append(p)
            }
            now = now + .milliseconds(1)
        }
        #expect(out.sorted() == Array(0..<1000))
        #expect(out != Array(0..<1000), "a 20-300 ms spread over 1 ms arrivals must reorder")
        #expect(inj.delayed == 1000)
    }

    @Test func dueReturnsInDeliverTimeOrder() {
        var inj = FaultInjector(spec: FaultSpec(delayMin: .milliseconds(1), delayMax: .milliseconds(100)), seed: 5)
        for i in 0..<500 { _ = inj.ingest(packet(i), now: .zero) }
        var last = Instant.zero
        while let d = inj.nextDeadline {
            #expect(d >= last)
            last = d
            _ = inj.due(now: d)
        }
    }

    @Test func queueIsBounded() {
        var inj = FaultInjector(spec: FaultSpec(delayMin: .seconds(1), delayMax: .seconds(1)), seed: 1, capacity: 100)
        for i in 0..<150 { _ = inj.ingest(packet(i), now: .zero) }
        #expect(inj.pending == 100)
        #expect(inj.overflowed == 50)
        #expect(inj.due(now: .milliseconds(1000)).count == 100)
    }

    @Test(arguments: [
        ("50", Int64(50), Int64(50)), ("20-300", 20, 300), ("0", 0, 0), ("20ms-300ms", 20, 300), (" 5 - 10 ", 5, 10),
    ])
    func parseDelayAccepts(text: String, lo: Int64, hi: Int64) throws {
        let d = try FaultSpec.parseDelay(text)
        #expect(d.min == .milliseconds(lo) && d.max == .milliseconds(hi))
    }

    @Test(arguments: ["", "-", "abc", "300-20", "-5", "1-2-3", "10.5", "99999999", "5s"])
    func parseDelayRejects(text: String) {
        #expect(throws: FaultSpecError.self) { _ = try FaultSpec.parseDelay(text) }
    }

    @Test func probabilitiesAreValidatedWithClearMessages() throws {
        #expect(try FaultSpec.parseProbability("0.25", name: "loss") == 0.25)
        for bad in ["1.5", "-0.1", "nan", "inf", "x", ""] {
            #expect {
                _ = try FaultSpec.parseProbability(bad, name: "loss")
            } throws: { e in
                (e as? FaultSpecError)?.message.contains("--loss must be a probability between 0 and 1") == true
            }
        }
        let spec = try FaultSpec.parse(delay: "20-300", loss: "0.1", dup: "0.05")
        #expect(spec == FaultSpec(delayMin: .milliseconds(20), delayMax: .milliseconds(300), loss: 0.1, dup: 0.05))
        #expect(try FaultSpec.parse(delay: nil, loss: nil, dup: nil).isNone)
        #expect(throws: FaultSpecError.self) { _ = try FaultSpec(loss: 2).validated() }
    }
}
