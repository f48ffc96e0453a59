/// Wraps one pane line (`12:34 <alice> ` + body) into rows of a given
/// width, by display width:
/// - breaks at a space (eaten by the break) or next to a wide character
///   (CJK text has no spaces), moving the last word down only when it fits
///   on the next row; a longer word (a URL) is broken where the row ends;
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

        var cells: [Cell] = []
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
                let minBreak = first ? min(prefixCellCount(prefix), end) : i
                if cells[end].ch == " " {
                    next = end + 1
                } else if !canBreak(before: end, cells), let b = lastBreak(in: minBreak..<end, cells) {
                    // Moving the last word down only helps if it then fits
                    // on a row; a longer one would just leave a hole here.
                    let start = cells[b].ch == " " ? b + 1 : b
                    if wordWidth(from: start, cells) <= width - indent {
                        end = b
                        next = start
                    }
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

    typealias Cell = (ch: Character, style: Style, width: Int)

    /// A row may end before cell `p`: at a space (which the break eats) or
    /// next to a wide character, since CJK text breaks between any two
    /// ideographs.
    private static func canBreak(before p: Int, _ cells: [Cell]) -> Bool {
        guard p > 0, p < cells.count else { return true }
        return cells[p].ch == " " || cells[p].width == 2 || cells[p - 1].width == 2
    }

    private static func lastBreak(in range: Range<Int>, _ cells: [Cell]) -> Int? {
        range.reversed().first { $0 > range.lowerBound && canBreak(before: $0, cells) }
    }

    private static func wordWidth(from start: Int, _ cells: [Cell]) -> Int {
        var w = 0
        var j = start
        while j < cells.count {
            w += cells[j].width
            j += 1
            if canBreak(before: j, cells) { break }
        }
        return w
    }

    private static func prefixCellCount(_ prefix: [Segment]) -> Int {
        prefix.reduce(0) { $0 + $1.text.count }
    }
}
