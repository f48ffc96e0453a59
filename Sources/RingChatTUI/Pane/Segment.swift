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
