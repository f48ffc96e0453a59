import Benchmark
import RingChatCore

/// The receive path for data: 1,024 messages of one ring in full data
/// packets, arriving out of order so that most wait in the hold-back queue
/// before a drain delivers them in seq order.
func holdBackBenchmarks() {
    let count = 1_024
    let batches = Fixtures.batches(count)
    // The first packet arrives first (it fixes where this node joins the
    // ring), then every window of 8 packets arrives last-first: 7 packets
    // of each window are held back until its first one fills the gap.
    var order = [0]
    var i = 1
    while i < batches.count {
        let end = min(batches.count, i + 8)
        order += (i..<end).reversed()
        i = end
    }
    let packets = order.enumerated().map { n, b in
        Node.Input.packet(Packet(sender: Fixtures.sender, incarnation: 1, counter: UInt64(n + 1), body: .data(batches[b])))
    }

    Benchmark("hold-back: Node receives \(count) msgs out of order (\(batches.count) packets), delivers in order") { benchmark in
        let node = Node(id: Fixtures.receiver, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        var delivered = 0
        var last: UInt64 = 0
        var inOrder = true
        benchmark.startMeasurement()
        for p in packets {
            for case .deliver(let m, _) in node.handle(p, now: .milliseconds(1)) {
                delivered += 1
                inOrder = inOrder && m.slot.seq == last + 1
                last = m.slot.seq
            }
        }
        benchmark.stopMeasurement()
        if delivered != count || !inOrder { benchmark.error("delivered \(delivered) of \(count), in order: \(inOrder)") }
    }

    // The log alone, as `Node.drain` drives it: insert, then deliver from
    // the next expected seq while its slot is occupied (marked through its
    // canonical slot, as `Node.deliver` does).
    let messages = order.flatMap { batches[$0].messages }
    func drainBenchmark(_ name: String, capacity: Int) {
        Benchmark(name) { benchmark in
            var log = MessageLog(capacity: capacity)
            var next: UInt64 = 1
            for m in messages {
                guard log.insert(m) == .new else { benchmark.error("not new: \(m.slot)"); return }
                while log.isOccupied(Slot(ring: Fixtures.ring, seq: next)) {
                    if let d = log.undeliveredMessage(at: Slot(ring: Fixtures.ring, seq: next)) { log.markDelivered(d.id, at: d.slot) }
                    next += 1
                }
            }
            if next != UInt64(count) + 1 { benchmark.error("drained to \(next - 1) of \(count)") }
        }
    }
    drainBenchmark("hold-back: MessageLog insert + in-order drain of \(count) msgs out of order", capacity: MessageLog.defaultCapacity)
    // The same with a cache smaller than the batch: the steady state of a
    // busy node, where every new message evicts an old one.
    drainBenchmark("hold-back: MessageLog insert + in-order drain + eviction of \(count) msgs out of order (capacity 128)",
                   capacity: 128)
}
