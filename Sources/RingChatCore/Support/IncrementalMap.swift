/// A hash map that never rehashes everything at once. A Swift Dictionary
/// doubles by rehashing all its entries in one call: with the replica in
/// memory that was a pause of ~0.3 s at 2^18 messages and over 1 s at
/// 3·2^17 (byID, bySlot and the delivered set all grow together), long
/// enough for the membership to declare the paused nodes dead in the
/// middle of `ringchat bench --tput`. Here, when the map is full, a new
/// one of twice the capacity is allocated (no rehash) and every later
/// insert moves two entries from the old one: the same total work, spread
/// over the inserts.
public struct IncrementalMap<Key: Hashable, Value> {
    private var current: [Key: Value] = [:]
    /// The previous, full map: read until every entry has been copied.
    private var draining: [Key: Value] = [:]
    private var drainIndex: [Key: Value].Index?
    /// Entries of `draining` not yet in `current`.
    private var pending = 0

    public init() {}

    public var count: Int { current.count + pending }
    public var isEmpty: Bool { count == 0 }

    public subscript(key: Key) -> Value? {
        get {
            if let v = current[key] { return v }
            return drainIndex == nil ? nil : draining[key]
        }
        set {
            guard let v = newValue else {
                finishDraining()
                current.removeValue(forKey: key)
                return
            }
            if current[key] == nil {
                if drainIndex != nil, draining[key] != nil {
                    pending -= 1  // its copy below replaces the pending one
                } else {
                    growIfFull()
                }
            }
            current[key] = v
            migrate(2)
        }
    }

    public var keys: [Key] {
        var me = self
        me.finishDraining()
        return Array(me.current.keys)
    }

    public var values: [Value] {
        var me = self
        me.finishDraining()
        return Array(me.current.values)
    }

    private mutating func growIfFull() {
        guard current.count >= current.capacity, current.count >= 1_024 else { return }
        finishDraining()  // already done in practice: two copies per insert
        draining = current
        current = [:]
        current.reserveCapacity(draining.count * 2)
        pending = draining.count
        drainIndex = draining.startIndex
    }

    /// Copies up to `n` entries of the old map (walking it by index: no
    /// removal, so no rescans).
    private mutating func migrate(_ n: Int) {
        guard var i = drainIndex else { return }
        var left = n
        while left > 0, i != draining.endIndex {
            let e = draining[i]
            if current[e.key] == nil {
                current[e.key] = e.value
                pending -= 1
            }
            i = draining.index(after: i)
            left -= 1
        }
        if i == draining.endIndex {
            draining = [:]
            drainIndex = nil
            pending = 0
        } else {
            drainIndex = i
        }
    }

    private mutating func finishDraining() {
        if drainIndex != nil { migrate(Int.max) }
    }
}

extension IncrementalMap: Sendable where Key: Sendable, Value: Sendable {}

/// The set counterpart of `IncrementalMap`.
public struct IncrementalSet<Element: Hashable> {
    private var map = IncrementalMap<Element, Void>()

    public init() {}

    public var count: Int { map.count }
    public var isEmpty: Bool { map.isEmpty }
    public func contains(_ e: Element) -> Bool { map[e] != nil }

    /// True when it was not there before.
    @discardableResult
    public mutating func insert(_ e: Element) -> Bool {
        guard map[e] == nil else { return false }
        map[e] = ()
        return true
    }

    public var elements: [Element] { map.keys }
}

extension IncrementalSet: Sendable where Element: Sendable {}
