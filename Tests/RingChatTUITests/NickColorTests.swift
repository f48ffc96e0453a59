import Testing
@testable import RingChatTUI

@Suite struct NickColorTests {
    // Reference values of 32-bit FNV-1a.
    @Test(arguments: [("", 0x811C9DC5), ("a", 0xE40C292C), ("foobar", 0xBF9CF968)] as [(String, UInt32)])
    func fnv1a(text: String, hash: UInt32) {
        #expect(NickColor.fnv1a32(text) == hash)
    }

    @Test func stableAndInRange() {
        for nick in ["alice", "bob", "carol", "中文", "😀"] {
            let i = NickColor.index(for: nick)
            #expect((0..<NickColor.paletteSize).contains(i))
            #expect(i == Int(NickColor.fnv1a32(nick) % UInt32(NickColor.paletteSize)))
        }
    }

    @Test func spreadsOverPalette() {
        let used = Set((0..<60).map { NickColor.index(for: "user\($0)") })
        #expect(used.count == NickColor.paletteSize)
    }
}
