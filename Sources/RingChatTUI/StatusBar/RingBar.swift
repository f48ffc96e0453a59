/// The ring on the status bar, in token order with the holder marked:
/// `[ring: alice ▸bob◂ carol(lag 2) server(away)]`, so a person can watch
/// the token go round. No ring id: it is the protocol's business (`/who`
/// and F3 show it), and it changes with every re-formed ring.
///
/// On a narrow screen it shrinks step by step rather than vanish: `(lag
/// 2)` becomes `(2)` and `(away)` goes, then the nicks are cut
/// (`car…`, then initials; the holder's is cut last), and at the end only
/// the holder and its place remain: `[▸bob◂ 2/4]`. Each step is a form of
/// one `StatusItem`, with a priority that rises as it shrinks, so the
/// bar drops its less useful items (delay, checkpoint) between the steps.
public enum RingBar {
    public static let openMark = "▸"
    public static let closeMark = "◂"

    /// Priorities of the forms: full, short lags, cut nicks, holder only.
    static let full = 55, shortLags = 72, cutNicks = 75, holderOnly = 92

    /// The nick widths tried, widest first; the holder keeps at least `holderWidth`.
    static let cuts = [8, 5, 3, 1]
    static let holderWidth = 10

    public static func item(members: [RingMember]) -> StatusItem {
        guard !members.isEmpty else { return StatusItem([Segment("["), Segment("no token", .dim), Segment("]")], priority: holderOnly) }
        typealias Form = StatusItem.Form
        var forms: [Form] = []
        func add(_ segments: [Segment], _ priority: Int) {
            // A step that changes nothing (short nicks, no lag) is skipped.
            if forms.last?.segments != segments { forms.append(Form(segments, priority: priority)) }
        }
        add(bracket("ring: ", list(members, longLag: true, cut: nil)), full)
        add(bracket("ring: ", list(members, longLag: false, cut: nil)), shortLags)
        for c in cuts { add(bracket("ring: ", list(members, longLag: false, cut: c)), cutNicks) }
        add(holderOnlyForm(members), holderOnly)
        return StatusItem(forms: forms)
    }

    private static func bracket(_ label: String, _ inner: [Segment]) -> [Segment] {
        [Segment("[" + label)] + inner + [Segment("]")]
    }

    private static func list(_ members: [RingMember], longLag: Bool, cut: Int?) -> [Segment] {
        var out: [Segment] = []
        for (i, m) in members.enumerated() {
            if i > 0 { out.append(Segment(" ")) }
            out += member(m, longLag: longLag, cut: cut)
        }
        if !members.contains(where: \.isHolder) { out.append(Segment(" · no token", .dim)) }
        return out
    }

    private static func member(_ m: RingMember, longLag: Bool, cut: Int?) -> [Segment] {
        let full = Sanitizer.nick(m.nick)
        var out: [Segment]
        if m.isHolder {
            let nick = cut.map { shorten(full, to: max($0, holderWidth)) } ?? full
            out = [Segment(openMark + nick + closeMark, .highlight)]
        } else {
            let nick = cut.map { shorten(full, to: $0) } ?? full
            out = [Segment(nick, m.isMe ? .bold : .normal)]
        }
        if m.lag > 0 { out.append(Segment(longLag ? "(lag \(m.lag))" : "(\(m.lag))", .bold)) }
        if m.away && longLag { out.append(Segment("(away)", .dim)) }
        return out
    }

    /// `[▸bob◂ 2/4]`, or `[no token ×4]`.
    private static func holderOnlyForm(_ members: [RingMember]) -> [Segment] {
        guard let i = members.firstIndex(where: \.isHolder) else {
            return [Segment("["), Segment("no token", .dim), Segment(" ×\(members.count)]")]
        }
        let nick = shorten(Sanitizer.nick(members[i].nick), to: holderWidth)
        return [Segment("["), Segment(openMark + nick + closeMark, .highlight), Segment(" \(i + 1)/\(members.count)]")]
    }

    /// At most `width` columns: the leading characters and `…`, or the
    /// first character alone when `width` is 1.
    static func shorten(_ nick: String, to width: Int) -> String {
        guard width <= 1, DisplayWidth.of(nick) > width else { return Sanitizer.truncate(nick, toColumns: width) }
        return nick.first.map(String.init) ?? ""
    }
}
