import RingChatCore

/// A replica line written by hand: the same sorted-key JSON that
/// `StateJSON` (Foundation's JSONEncoder) produces for a `ChatMessage`,
/// byte for byte, at a fraction of the cost. The profile of `ringchat
/// bench --tput` had JSONEncoder at a quarter of a node's CPU: one
/// encoder, a boxed container and a dictionary per message.
enum ReplicaLineWriter {
    static func line(for m: ChatMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + m.nick.utf8.count + m.text.utf8.count)
        out += #"{"id":""#.utf8
        out += m.id.text.utf8
        out += #"","kind":""#.utf8
        out += (m.kind == .action ? "action" : "text").utf8
        out += #"","nick":"#.utf8
        string(m.nick, into: &out)
        out += #","ring":""#.utf8
        out += m.slot.ring.text.utf8
        out += #"","seq":"#.utf8
        out += String(m.slot.seq).utf8
        out += #","text":"#.utf8
        string(m.text, into: &out)
        out += #","ts":"#.utf8
        out += String(m.timestamp).utf8
        out += "}\n".utf8
        return out
    }

    /// JSONEncoder's escaping with `.withoutEscapingSlashes`: quote,
    /// backslash, and control characters (short forms where JSON has
    /// them, else \u00XX in lowercase hex); everything else raw UTF-8.
    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out += #"\u00"#.utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
