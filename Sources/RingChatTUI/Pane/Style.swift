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
    /// A line that names you (your nick or a `--highlight` word).
    case mention
    /// Error lines (unknown command, invalid nick).
    case error
}
