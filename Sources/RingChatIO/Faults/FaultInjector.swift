import RingChatCore

/// Applies a `FaultSpec` to received datagrams, deterministically for a
/// given seed: the same seed and the same arrivals give the same drops,
/// duplicates and delivery order. Owned by the loop thread.
public struct FaultInjector: Sendable {
    public let spec: FaultSpec
    /// Datagrams held at once; beyond it arrivals are dropped and counted
    /// (a flood must not grow memory without bound).
    public let capacity: Int

    /// Datagrams ingested.
    public private(set) var received = 0
    /// Dropped by the `loss` draw.
    public private(set) var dropped = 0
    /// Extra copies made by the `dup` draw.
    public private(set) var duplicated = 0
    /// Copies put in the delay queue.
    public private(set) var delayed = 0
    /// Copies dropped because the queue was full.
    public private(set) var overflowed = 0

    private var rng: SplitMix64
    private var queue = DeliveryQueue()

    public init(spec: FaultSpec, seed: UInt64, capacity: Int = 100_000) {
        self.spec = spec
        self.rng = SplitMix64(seed: seed)
        self.capacity = capacity
    }

    /// Datagrams waiting in the delay queue.
    public var pending: Int { queue.count }

    /// When the earliest held datagram is due; arm a loop timer for it.
    public var nextDeadline: Instant? { queue.peek?.at }

    /// Takes one received datagram. Returns the copies to deliver right now:
    /// with no delay configured that is the datagram itself (or nothing, or
    /// two copies); delayed copies come out of `due(now:)` later.
    public mutating func ingest(_ datagram: [UInt8], now: Instant) -> [[UInt8]] {
        received += 1
        if spec.isNone { return [datagram] }
        if spec.loss > 0, chance() < spec.loss {
            dropped += 1
            return []
        }
        var copies = 1
        if spec.dup > 0, chance() < spec.dup {
            duplicated += 1
            copies = 2
        }
        guard spec.delayMax > .zero else { return Array(repeating: datagram, count: copies) }
        for _ in 0..<copies {
            guard queue.count < capacity else {
                overflowed += 1
                continue
            }
            delayed += 1
            queue.push(at: now + randomDelay(), datagram)
        }
        return []
    }

    /// The held datagrams whose time has come, in delivery-time order
    /// (ties in arrival order).
    public mutating func due(now: Instant) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let top = queue.peek, top.at <= now {
            out.append(queue.pop()!.bytes)
        }
        return out
    }

    /// Uniform in [0, 1) from the top 53 bits.
    private mutating func chance() -> Double {
        Double(rng.next() >> 11) * 0x1p-53
    }

    /// Uniform in [delayMin, delayMax]; the modulo bias is far below anything
    /// a chat demo could notice and keeps the draw sequence obvious.
    private mutating func randomDelay() -> Duration {
        let lo = spec.delayMin.nanoseconds, hi = spec.delayMax.nanoseconds
        if hi <= lo { return .nanoseconds(lo) }
        let span = UInt64(hi - lo) + 1
        return .nanoseconds(lo + Int64(rng.next() % span))
    }
}

/// A binary min-heap on (deliver time, arrival number).
struct DeliveryQueue: Sendable {
    struct Item: Sendable {
        var at: Instant
        var order: UInt64
        var bytes: [UInt8]
        func before(_ o: Item) -> Bool { (at, order) < (o.at, o.order) }
    }

    private var heap: [Item] = []
    private var nextOrder: UInt64 = 0

    var count: Int { heap.count }
    var peek: Item? { heap.first }

    mutating func push(at: Instant, _ bytes: [UInt8]) {
        heap.append(Item(at: at, order: nextOrder, bytes: bytes))
        nextOrder += 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Item? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].before(heap[m]) { m = l }
            if r < heap.count, heap[r].before(heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return top
    }
}
