/// One item of the status bar, e.g. `[lag 3]`.
public struct StatusItem: Hashable, Sendable {
    public var segments: [Segment]
    /// Higher stays longer: when the bar is too narrow the lowest-priority
    /// items are dropped first (the rightmost first among equals).
    public var priority: Int

    public init(_ segments: [Segment], priority: Int) {
        self.segments = segments
        self.priority = priority
    }

    public init(_ text: String, _ style: Style = .normal, priority: Int) {
        self.init([Segment(text, style)], priority: priority)
    }

    public var width: Int { segments.reduce(0) { $0 + $1.width } }
}
