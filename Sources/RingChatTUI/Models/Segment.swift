/// How a piece of text is drawn. The terminal shell maps each case to
/// ncurses attributes; the models never see ncurses.
public enum Style: Hashable, Sendable {
    case normal
    /// Timestamps, system and token lines: present but out of the way.
    case dim
    case bold
    /// A nick's colour: an index into `NickColor.paletteSize` colours.
    case nick(Int)
    /// What must catch the eye: "you" as token holder, the `-- more --` marker.
    case highlight
    /// Error lines (unknown command, invalid nick).
    case error
}

/// A run of text drawn in one style. The text is already sanitised.
public struct Segment: Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .normal) {
        self.text = text
        self.style = style
    }

    public var width: Int { DisplayWidth.of(text) }
    public var description: String { text }
}

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
