import RingChatCore
import RingChatIO

/// The writing half of `ReplicaLineCodec`: a line written by hand, the same
/// sorted-key JSON that `StateJSON` (Foundation's JSONEncoder) produces for
/// the codec's `VersionedLine`, byte for byte, at a fraction of the cost.
/// The profile of `ringchat bench --tput` had JSONEncoder at a quarter of a
/// node's CPU: one encoder, a boxed container and a dictionary per
/// message. Numbers and ids are written as digits straight into the buffer
/// (building them as Strings first was still a tenth of a node's CPU), and
/// text that needs no escaping is copied whole.
extension ReplicaLineCodec {
    /// Appends `m`'s fields up to and including `"ts":N`, without the
    /// closing brace: `append` adds the version, an older format only the brace.
    static func appendFields(_ m: ChatMessage, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":""#.utf8)
        hex(m.id.origin.raw, into: &out)
        out.append(UInt8(ascii: "."))
        decimal(UInt64(m.id.incarnation), into: &out)
        out.append(UInt8(ascii: "."))
        decimal(UInt64(m.id.counter), into: &out)
        switch m.kind {
        case .text: out.append(contentsOf: #"","kind":"text","nick":"#.utf8)
        case .action: out.append(contentsOf: #"","kind":"action","nick":"#.utf8)
        case .private: out.append(contentsOf: #"","kind":"private","nick":"#.utf8)
        }
        string(m.nick, into: &out)
        out.append(contentsOf: #","ring":""#.utf8)
        decimal(m.slot.ring.epoch, into: &out)
        out.append(UInt8(ascii: "."))
        hex(m.slot.ring.creator.raw, into: &out)
        out.append(UInt8(ascii: "."))
        decimal(UInt64(m.slot.ring.incarnation), into: &out)
        if !m.room.isEmpty { // sorted keys: "room" between "ring" and "seq"; the lobby is left out
            out.append(contentsOf: #"","room":"#.utf8)
            string(m.room, into: &out)
            out.append(contentsOf: #","seq":"#.utf8)
        } else {
            out.append(contentsOf: #"","seq":"#.utf8)
        }
        decimal(m.slot.seq, into: &out)
        out.append(contentsOf: #","text":"#.utf8)
        string(m.text, into: &out)
        out.append(contentsOf: #","ts":"#.utf8)
        if m.timestamp < 0 { out.append(UInt8(ascii: "-")) }
        decimal(m.timestamp.magnitude, into: &out)
    }

    /// `NodeID.hex`: 16 lowercase hex digits.
    static func hex(_ v: UInt64, into out: inout [UInt8]) {
        var shift = 60
        while shift >= 0 {
            out.append(digits[Int((v >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    static func decimal(_ v: UInt64, into out: inout [UInt8]) {
        guard v >= 10 else { out.append(UInt8(ascii: "0") + UInt8(v)); return }
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: UInt64.max has 20 digits
        withUnsafeMutableBytes(of: &buf) { b in
            var x = v
            var i = 24
            while x > 0 {
                i -= 1
                b[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            out.append(contentsOf: b[i..<24])
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// JSONEncoder's escaping with `.withoutEscapingSlashes`: quote,
    /// backslash, and control characters (short forms where JSON has
    /// them, else \u00XX in lowercase hex); everything else raw UTF-8.
    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Native strings are contiguous UTF-8: scan and copy the buffer
        // (the generic `contains(where:)` over the view was 3% of a node).
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { buf in
            for b in buf where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: buf)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
