/// A set of integers kept as sorted, disjoint, non-adjacent closed ranges.
///
/// A stream's counters and a ring's seqs are dense (1, 2, 3...), so a
/// million held messages are one range; only the holes a node is still
/// missing (or never will get, like a re-sent line's extra slot) cost
/// one range each. This is the compact version vector of docs/STORAGE.md.
public struct RangeSet<Bound: FixedWidthInteger & UnsignedInteger & Sendable>: Hashable, Sendable {
    public private(set) var ranges: [ClosedRange<Bound>] = []
    /// Members held.
    public private(set) var count: Int = 0

    public init() {}

    /// Rebuilds from ranges as `ranges` gives them (a snapshot); overlapping
    /// or unsorted input is normalised.
    public init(ranges input: [ClosedRange<Bound>]) {
        for r in input.sorted(by: { $0.lowerBound < $1.lowerBound }) { insert(r) }
    }

    public var max: Bound? { ranges.last?.upperBound }

    /// The highest member with every member from `start` up to it held
    /// (`start - 1` when `start` itself is not held).
    public func contiguous(from start: Bound) -> Bound {
        guard let first = ranges.first, first.lowerBound <= start, start <= first.upperBound else { return start &- 1 }
        return first.upperBound
    }

    /// Index of the last range whose lower bound is <= v, or nil.
    private func floorIndex(_ v: Bound) -> Int? {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].lowerBound <= v { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    public func contains(_ v: Bound) -> Bool {
        guard let i = floorIndex(v) else { return false }
        return v <= ranges[i].upperBound
    }

    /// The smallest member in `r`, if any.
    public func first(in r: ClosedRange<Bound>) -> Bound? {
        if contains(r.lowerBound) { return r.lowerBound }
        let i = floorIndex(r.lowerBound).map { $0 + 1 } ?? 0
        guard i < ranges.count, ranges[i].lowerBound <= r.upperBound else { return nil }
        return ranges[i].lowerBound
    }

    /// The highest member in `r`, logarithmic in the ranges.
    public func last(in r: ClosedRange<Bound>) -> Bound? {
        guard let i = floorIndex(r.upperBound) else { return nil }
        let top = Swift.min(ranges[i].upperBound, r.upperBound)
        return top >= r.lowerBound ? top : nil
    }

    /// Adds `v`; false when it was already there.
    @discardableResult
    public mutating func insert(_ v: Bound) -> Bool {
        // The common case first: the next member after the last range.
        if let last = ranges.last, last.upperBound != .max, v == last.upperBound + 1 {
            ranges[ranges.count - 1] = last.lowerBound...v
            count += 1
            return true
        }
        if contains(v) { return false }
        insert(v...v)
        return true
    }

    /// Adds every member of `r` (members already held are not counted twice).
    public mutating func insert(_ r: ClosedRange<Bound>) {
        var lo = r.lowerBound, hi = r.upperBound
        var start = floorIndex(lo) ?? 0
        // Merge with a range that ends right before `lo` or overlaps it.
        if start < ranges.count, ranges[start].upperBound < lo, ranges[start].upperBound != .max,
           ranges[start].upperBound + 1 < lo {
            start += 1
        }
        var end = start
        var removed = 0
        while end < ranges.count {
            let x = ranges[end]
            let touches = x.lowerBound <= (hi == .max ? hi : hi + 1) && (x.upperBound == .max || x.upperBound + 1 >= lo)
            guard touches else { break }
            lo = Swift.min(lo, x.lowerBound)
            hi = Swift.max(hi, x.upperBound)
            removed += Int(x.upperBound - x.lowerBound) + 1
            end += 1
        }
        ranges.replaceSubrange(start..<end, with: [lo...hi])
        count += Int(hi - lo) + 1 - removed
    }

    /// Removes `v`; false when it was not there.
    @discardableResult
    public mutating func remove(_ v: Bound) -> Bool {
        guard let i = floorIndex(v), v <= ranges[i].upperBound else { return false }
        let r = ranges[i]
        var parts: [ClosedRange<Bound>] = []
        if r.lowerBound < v { parts.append(r.lowerBound...(v - 1)) }
        if v < r.upperBound { parts.append((v + 1)...r.upperBound) }
        ranges.replaceSubrange(i...i, with: parts)
        count -= 1
        return true
    }

    /// Every member, smallest first (for tests and small sets).
    public var members: [Bound] { ranges.flatMap { Array($0) } }
}
