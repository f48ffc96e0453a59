/// Lays items out in one row of exactly `width` columns.
public enum StatusBar {
    public static let separator = " "

    /// Items keep their left-to-right order; whatever survives the drops is
    /// padded with spaces, or, when even the most important item is too
    /// wide, cut with `…`, so the result is always exactly `width` wide.
    public static func render(_ items: [StatusItem], width: Int) -> [Segment] {
        guard width > 0 else { return [] }
        var kept = Array(items.indices)
        func total(_ idx: [Int]) -> Int {
            idx.reduce(0) { $0 + items[$1].width } + max(0, idx.count - 1) * separator.count
        }
        while kept.count > 1, total(kept) > width {
            // Lowest priority; among equals the rightmost.
            let victim = kept.indices.min { a, b in
                let pa = items[kept[a]].priority, pb = items[kept[b]].priority
                return pa != pb ? pa < pb : a > b
            }!
            kept.remove(at: victim)
        }
        var row = Row()
        for (n, i) in kept.enumerated() {
            if n > 0 { row.append(separator, .normal) }
            for seg in items[i].segments { row.append(seg.text, seg.style) }
        }
        return fit(row, width: width)
    }

    /// Pads or cuts a row to exactly `width` columns, cutting at grapheme
    /// boundaries (a wide character that would straddle the edge becomes
    /// spaces).
    public static func fit(_ row: Row, width: Int) -> [Segment] {
        var out = Row()
        var used = 0
        let overflow = row.width > width
        let room = overflow ? width - 1 : width
        outer: for seg in row.segments {
            for ch in seg.text {
                let w = DisplayWidth.of(ch)
                if used + w > room { break outer }
                out.append(String(ch), seg.style)
                used += w
            }
        }
        if overflow && width > 0 {
            out.append("…", .normal)
            used += 1
        }
        if used < width { out.append(String(repeating: " ", count: width - used), .normal) }
        return out.segments
    }
}
