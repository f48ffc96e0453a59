/// One screen row: styled segments whose total width never exceeds the
/// width the row was laid out for.
public struct Row: Hashable, Sendable, CustomStringConvertible {
    public var segments: [Segment]

    public init(_ segments: [Segment] = []) { self.segments = segments }

    public var text: String { segments.map(\.text).joined() }
    public var width: Int { segments.reduce(0) { $0 + $1.width } }
    public var description: String { text }

    /// Appends, merging with the last segment when the style is the same,
    /// so the shell issues one draw call per style run.
    public mutating func append(_ text: String, _ style: Style) {
        guard !text.isEmpty else { return }
        if let last = segments.indices.last, segments[last].style == style {
            segments[last].text += text
        } else {
            segments.append(Segment(text, style))
        }
    }
}
