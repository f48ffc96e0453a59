/// A nick's colour, the same on every screen and in every run.
///
/// Swift's `hashValue` is seeded per process, so it would recolour
/// everyone on each start; FNV-1a over the UTF-8 bytes is stable.
public enum NickColor {
    /// Red, green, yellow, magenta, cyan, bright blue: the status bar's
    /// plain blue and the default foreground are left out so a nick never
    /// vanishes into either.
    public static let paletteSize = 6

    public static func index(for nick: String) -> Int {
        Int(fnv1a32(nick) % UInt32(paletteSize))
    }

    public static func fnv1a32(_ text: String) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            h ^= UInt32(byte)
            h &*= 0x0100_0193
        }
        return h
    }
}
