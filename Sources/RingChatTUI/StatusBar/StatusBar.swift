/// Lays items out in one row of exactly `width` columns.
public enum StatusBar {
    public static let separator = " "

    /// Items keep their left-to-right order. While the row is too wide, the
    /// item whose current form has the lowest priority (the rightmost among
    /// equals) moves to its next, shorter form, or is dropped when it has
    /// none left; the result is padded with spaces, or, when even the last
    /// item's shortest form is too wide, cut with `…`, so it is always
    /// exactly `width` wide.
    public static func render(_ items: [StatusItem], width: Int) -> [Segment] {
        guard width > 0 else { return [] }
        // (item index, form index) of the items still shown.
        var kept = items.indices.map { (item: $0, form: 0) }
        func form(_ k: (item: Int, form: Int)) -> StatusItem.Form { items[k.item].forms[k.form] }
        func total() -> Int {
            kept.reduce(0) { $0 + form($1).width } + max(0, kept.count - 1) * separator.count
        }
        while !kept.isEmpty, total() > width {
            let victim = kept.indices.min { a, b in
                let pa = form(kept[a]).priority, pb = form(kept[b]).priority
                return pa != pb ? pa < pb : a > b
            }!
            if kept[victim].form + 1 < items[kept[victim].item].forms.count {
                kept[victim].form += 1
            } else if kept.count > 1 {
                kept.remove(at: victim)
            } else {
                break
            }
        }
        var row = Row()
        for (n, k) in kept.enumerated() {
            if n > 0 { row.append(separator, .normal) }
            for seg in form(k).segments { row.append(seg.text, seg.style) }
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
