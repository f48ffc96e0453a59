import RingChatCore
import RingChatIO

/// The reading half of `ReplicaLineCodec` (only the codec calls it): one
/// replica line read fast, the flat JSON object the codec writes (string
/// and integer values, keys in any order, `"v"` absent or
/// `ReplicaLineCodec.version`). Anything it does not expect (another value
/// type, an unknown or repeated key, a number that is not a plain integer,
/// another version) gives nil, and the codec falls back to the full JSON
/// decoder, which has the last word on what a valid line is.
///
/// Why: a restart that must read the whole replica, an index rebuild, and
/// a peer's catch-up all decode lines by the hundred thousand; Foundation's
/// JSONDecoder spends most of that time on Codable machinery.
enum ReplicaLineParser {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> ChatMessage? {
        var p = Cursor(bytes: line)
        var id: MessageID?, nick: String?, text: String?, kind: MessageKind?, room: String?, ring: RingID?,
            seq: UInt64?, ts: Int64?
        var versioned = false
        p.skipSpace()
        guard p.eat(UInt8(ascii: "{")) else { return nil }
        p.skipSpace()
        if p.eat(UInt8(ascii: "}")) { return nil }
        while true {
            p.skipSpace()
            guard let key = p.string() else { return nil }
            p.skipSpace()
            guard p.eat(UInt8(ascii: ":")) else { return nil }
            p.skipSpace()
            switch key {
            case "id":
                guard id == nil, let s = p.string(), let v = MessageID(text: s) else { return nil }
                id = v
            case "nick":
                guard nick == nil, let s = p.string() else { return nil }
                nick = s
            case "text":
                guard text == nil, let s = p.string() else { return nil }
                text = s
            case "kind":
                guard kind == nil, let s = p.string(), let k = MessageKind(name: s) else { return nil }
                kind = k
            case "room":
                guard room == nil, let s = p.string(), RoomName.isValid(s) else { return nil }
                room = s
            case "ring":
                guard ring == nil, let s = p.string(), let v = RingID(text: s) else { return nil }
                ring = v
            case "seq":
                guard seq == nil, let v = p.integer(), v >= 0 else { return nil }
                seq = UInt64(v)
            case "ts":
                guard ts == nil, let v = p.integer() else { return nil }
                ts = v
            case "v":
                guard !versioned, let v = p.integer(), v == ReplicaLineCodec.version else { return nil }
                versioned = true
            default:
                return nil
            }
            p.skipSpace()
            if p.eat(UInt8(ascii: ",")) { continue }
            guard p.eat(UInt8(ascii: "}")) else { return nil }
            break
        }
        p.skipSpace()
        guard p.atEnd, let id, let nick, let text, let ring, let seq, let ts else { return nil }
        return ChatMessage(id: id, nick: nick, text: text, kind: kind ?? .text, room: room ?? RoomName.lobby,
                           slot: Slot(ring: ring, seq: seq), timestamp: ts)
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        var atEnd: Bool { i == bytes.count }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
        }

        mutating func eat(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }

        /// A JSON integer (no fraction, no exponent: those go to the decoder).
        mutating func integer() -> Int64? {
            var neg = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { neg = true; i += 1 }
            let start = i
            var v: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
                if o1 || o2 { return nil }
                v = a
                i += 1
            }
            guard i > start, !(i - start > 1 && bytes[start] == 0x30) else { return nil }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                return nil
            }
            return neg ? -v : v
        }

        /// A JSON string with its escapes; nil on anything malformed
        /// (including invalid UTF-8, which the decoder rejects too).
        mutating func string() -> String? {
            guard eat(UInt8(ascii: "\"")) else { return nil }
            let start = i
            var plain = true
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { return nil }
                if c == UInt8(ascii: "\\") { plain = false; i += 2; continue }
                i += 1
            }
            guard i < bytes.count else { return nil }
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<i])
            i += 1
            if plain { return String(validating: raw, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var j = 0
            while j < raw.count {
                let c = raw[j]
                guard c == UInt8(ascii: "\\") else { out.append(c); j += 1; continue }
                guard j + 1 < raw.count else { return nil }
                let e = raw[j + 1]
                j += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4(raw, at: j) else { return nil }
                    j += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard j + 6 <= raw.count, raw[j] == UInt8(ascii: "\\"), raw[j + 1] == UInt8(ascii: "u"),
                              let low = hex4(raw, at: j + 2), (0xDC00...0xDFFF).contains(low) else { return nil }
                        j += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        return nil
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            }
            return out.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
        }

        private func hex4(_ b: UnsafeBufferPointer<UInt8>, at j: Int) -> UInt32? {
            guard j + 4 <= b.count else { return nil }
            var v: UInt32 = 0
            for k in j..<(j + 4) {
                let c = b[k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
    }
}
