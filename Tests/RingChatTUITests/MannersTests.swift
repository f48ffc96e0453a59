import Testing
@testable import RingChatTUI

/// The pure rules behind irssi's manners: what is a mention, when the
/// bell rings, what a paste does, what an away note is.
@Suite struct MannersTests {
    @Test(arguments: [
        ("bob: are you there?", true), ("hi Bob!", true), ("@BOB", true), ("<bob>", true), ("bob", true),
        ("thanks, bob.", true), ("bobby is here", false), ("kebob", false), ("bob_2 is not bob? yes it is", true),
        ("bob_2 only", false), ("nothing here", false), ("", false),
    ])
    func nickIsMatchedAsAWholeWordInAnyCase(text: String, expected: Bool) {
        #expect(MentionMatcher(nick: "bob").matches(text) == expected, "\(text)")
    }

    @Test func highlightWordsCountToo() {
        var m = MentionMatcher(nick: "bob", highlights: ["Deploy", "ringchat"])
        #expect(m.matches("the deploy is done"))
        #expect(m.matches("RingChat 2.0"))
        #expect(!m.matches("deployment"))
        // A new nick replaces the old; the words stay.
        m.setNick("robert")
        #expect(!m.matches("bob?") && m.matches("robert?") && m.matches("deploy"))
        #expect(MentionMatcher(nick: "日本").matches("こんにちは 日本!"))
    }

    @Test func bellModes() {
        #expect(!BellMode.off.rings(mention: true))
        #expect(BellMode.mentions.rings(mention: true) && !BellMode.mentions.rings(mention: false))
        #expect(BellMode.all.rings(mention: false))
    }

    @Test func pasteIsJudgedByItsLines() {
        #expect(PastePolicy.decide("one line") == .insert("one line"))
        #expect(PastePolicy.decide("a\nb\n") == .send(["a", "b"]))
        #expect(PastePolicy.decide("a\r\nb\r\n\r\nc") == .send(["a", "b", "c"]))
        let five = (1...5).map { "l\($0)" }.joined(separator: "\n")
        #expect(PastePolicy.decide(five) == .send((1...5).map { "l\($0)" }))
        let six = (1...6).map { "l\($0)" }
        #expect(PastePolicy.decide(six.joined(separator: "\n") + "\n") == .ask(six))
        #expect(PastePolicy.question(20) == "paste 20 lines? y/n")
    }

    @Test func awayNotes() {
        #expect(AwayNote.action(reason: "lunch") == "is away: lunch")
        #expect(AwayNote.action(reason: nil) == "is back")
        #expect(AwayNote.parse("is away: lunch") == .away(reason: "lunch"))
        #expect(AwayNote.parse("is away") == .away(reason: ""))
        #expect(AwayNote.parse("is back") == .back)
        #expect(AwayNote.parse("is away from keyboard") == nil)
        #expect(AwayNote.parse("waves") == nil)
    }

    @Test func activityCounts() {
        var a = Activity()
        #expect(a.isEmpty)
        a.add(mention: false)
        a.add(mention: true)
        #expect(a.lines == 2 && a.mentions == 1)
        a.clear()
        #expect(a.isEmpty && a.mentions == 0)
    }

    @Test func joinsAndLeavesAreListedInWords() {
        #expect(MemberTracker.list(["bob"]) == "bob")
        #expect(MemberTracker.list(["bob", "carol"]) == "bob and carol")
        #expect(MemberTracker.list(["a", "b", "c"]) == "a, b and c")
    }
}
