/// One screen's worth of content, laid out for a given size: what
/// `Terminal.draw` takes.
struct Frame: Hashable, Sendable {
    var paneRows: [Row]
    var status: [Segment]
    var input: InputView
    var prompt: [Segment]

    /// The whole frame as plain text rows (pane padded to its height, then
    /// the status bar and the input line), for tests.
    func textRows(paneHeight: Int) -> [String] {
        var out = paneRows.map(\.text)
        while out.count < paneHeight { out.append("") }
        out.append(status.map(\.text).joined())
        out.append(prompt.map(\.text).joined() + input.text)
        return out
    }
}
