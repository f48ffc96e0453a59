/// Wraps one pane line (`12:34 <alice> ` + body) into rows of a given
/// width, by display width:
/// - breaks after a space when the word fits on the next row, else inside
///   the word (long URLs, CJK text without spaces);
/// - never splits a grapheme cluster, so a wide character that does not fit
///   in the last column moves to the next row whole;
/// - continuation rows are indented to where the body starts (a hanging
///   indent), unless the prefix takes more than half the width, then they
///   start at column 0 so a narrow pane still shows text.
public enum LineWrapper {
    public static func wrap(prefix: [Segment], body: [Segment], width: Int) -> [Row] {
        guard width > 0 else { return [] }
        let prefixWidth = prefix.reduce(0) { $0 + $1.width }
        let indent = prefixWidth <= width / 2 ? prefixWidth : 0

        var cells: [(ch: Character, style: Style, width: Int)] = []
        for seg in prefix + body {
            for ch in seg.text {
                var w = DisplayWidth.of(ch)
                var c = ch
                // A cluster wider than a whole row can never be placed.
                if w > width { c = "?"; w = 1 }
                cells.append((c, seg.style, w))
            }
        }

        var rows: [Row] = []
        var i = 0
        var first = true
        repeat {
            let lead = first ? 0 : indent
            let room = width - lead
            // Greedy: as many cells as fit.
            var end = i
            var used = 0
            while end < cells.count, used + cells[end].width <= room {
                used += cells[end].width
                end += 1
            }
            var next = end
            if end < cells.count {
                // Prefer to break after the last space in this row, if that
                // leaves something on it (the prefix on row one does not count).
                let minBreak = first ? min(prefixCellCount(prefix), end) : i
                if let space = (minBreak..<end).last(where: { cells[$0].ch == " " }), space + 1 > i {
                    end = space
                    next = space + 1
                } else if cells[end].ch == " " {
                    next = end + 1
                }
            }
            var row = Row()
            if lead > 0 { row.append(String(repeating: " ", count: lead), .normal) }
            for c in cells[i..<end] { row.append(String(c.ch), c.style) }
            rows.append(row)
            // A row that could not take a single cell would loop forever.
            if next == i { next = i + 1 }
            i = next
            first = false
        } while i < cells.count
        return rows
    }

    private static func prefixCellCount(_ prefix: [Segment]) -> Int {
        prefix.reduce(0) { $0 + $1.text.count }
    }
}
