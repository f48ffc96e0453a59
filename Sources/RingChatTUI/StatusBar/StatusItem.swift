/// One item of the status bar, e.g. `[lag 3]`, as it is shown when there is
/// room, optionally followed by shorter forms of the same information (the
/// ring shrinks from full nicks to initials before it goes).
public struct StatusItem: Hashable, Sendable {
    public struct Form: Hashable, Sendable {
        public var segments: [Segment]
        /// Higher stays longer: when the bar is too narrow, the item whose
        /// current form has the lowest priority (the rightmost among
        /// equals) moves to its next form, or is dropped after its last.
        public var priority: Int

        public init(_ segments: [Segment], priority: Int) {
            self.segments = segments
            self.priority = priority
        }

        public var width: Int { segments.reduce(0) { $0 + $1.width } }
    }

    /// Longest first; never empty.
    public var forms: [Form]

    public init(forms: [Form]) {
        precondition(!forms.isEmpty, "a status item needs at least one form")
        self.forms = forms
    }

    public init(_ segments: [Segment], priority: Int) {
        self.init(forms: [Form(segments, priority: priority)])
    }

    public init(_ text: String, _ style: Style = .normal, priority: Int) {
        self.init([Segment(text, style)], priority: priority)
    }

    public var segments: [Segment] { forms[0].segments }
    public var priority: Int { forms[0].priority }
    public var width: Int { forms[0].width }
}
