import RingChatCore
import RingChatIO

/// The writing half of `ReplicaLineCodec`: a line written by hand, the same
/// sorted-key JSON that `StateJSON` (Foundation's JSONEncoder) produces for
/// the codec's `VersionedLine`, byte for byte, at a fraction of the cost.
/// The profile of `ringchat bench --tput` had JSONEncoder at a quarter of a
/// node's CPU: one encoder, a boxed container and a dictionary per
/// message.
///
/// A line is gathered on the stack (`LinePiece`) and appended to the batch
/// buffer in one copy; a string that needs no escaping (nearly all) is
/// scanned eight bytes at a time and copied whole into it. A string that
/// needs escaping, or is too long for the piece, goes straight to the
/// buffer after what was gathered before it.
/// Appending byte by byte to the `[UInt8]` (a uniqueness and capacity check
/// per byte, a generic copy per literal) was ~5,000 instructions a
/// 236-byte line (callgrind), most of the disk thread's ~15% of a node's
/// CPU under `ringchat bench --tput --via inproc`; this is ~1,700.
extension ReplicaLineCodec {
    /// What ends a line of the current format: the version and the
    /// newline (`"v":2`; a test checks it spells `version`).
    static let versionSuffix: StaticString = ",\"v\":2}\n"

    /// Appends `m`'s line up to and including `"ts":N`, then `ending`
    /// (`versionSuffix`, or an older format's bare `}` and newline).
    static func appendLine(_ m: ChatMessage, ending: StaticString, to out: inout [UInt8]) {
        withUnsafePointer(to: m) { appendLine(at: $0, ending: ending, to: &out) }
    }

    /// `appendLine` of the message at `m`, which stays where it is: the
    /// disk thread's loop over a batch passes each message in place.
    static func appendLine(at m: UnsafePointer<ChatMessage>, ending: StaticString, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LinePiece.capacity) { scratch in
            // Nearly every line: its strings fit in the piece as they are,
            // and `out` is touched once, after they were read (`plainLine`
            // never touches it). A message read around appends to `out`
            // was copied, each of its strings retained and released (an
            // append may free memory, as far as the compiler knows): atomics
            // on strings the loop thread made and frees, 4.5% of a busy
            // node's samples.
            if let n = plainLine(m, ending: ending, into: scratch.baseAddress!) {
                out.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress!, count: n))
            } else {
                appendLineEscaping(m.pointee, ending: ending, to: &out)
            }
        }
    }

    /// `m`'s line in `piece` (`LinePiece.capacity` bytes), if none of its
    /// strings needs escaping and they fit; its length, or nil.
    @inline(never)
    private static func plainLine(_ m: UnsafePointer<ChatMessage>, ending: StaticString,
                                  into piece: UnsafeMutablePointer<UInt8>) -> Int? {
        var p = LinePiece(piece)
        return fields(of: m.pointee, ending: ending, into: &p, string: { $0.fit($1) }) ? p.count : nil
    }

    /// `appendLine` for a line with a string to escape or too long for the
    /// piece: such a string goes straight to `out`.
    @inline(never)
    private static func appendLineEscaping(_ m: ChatMessage, ending: StaticString, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LinePiece.capacity) { scratch in
            var p = LinePiece(scratch.baseAddress!)
            _ = fields(of: m, ending: ending, into: &p) { p, s in
                p.string(s, into: &out)
                return true
            }
            p.flush(into: &out)
        }
    }

    /// Puts the fields of `m`'s line in `p`, in order; `string` writes
    /// each string (nick, room, text) and says whether it could: false
    /// stops the line there.
    @inline(__always)
    private static func fields(of m: ChatMessage, ending: StaticString, into p: inout LinePiece,
                               string: (inout LinePiece, String) -> Bool) -> Bool {
        p.put(#"{"id":""#)
        p.hex(m.id.origin.raw)
        p.put(UInt8(ascii: "."))
        p.decimal(UInt64(m.id.incarnation))
        p.put(UInt8(ascii: "."))
        p.decimal(UInt64(m.id.counter))
        switch m.kind {
        case .text: p.put(#"","kind":"text","nick":"#)
        case .action: p.put(#"","kind":"action","nick":"#)
        case .private: p.put(#"","kind":"private","nick":"#)
        }
        guard string(&p, m.nick) else { return false }
        p.put(#","ring":""#)
        p.decimal(m.slot.ring.epoch)
        p.put(UInt8(ascii: "."))
        p.hex(m.slot.ring.creator.raw)
        p.put(UInt8(ascii: "."))
        p.decimal(UInt64(m.slot.ring.incarnation))
        if !m.room.isEmpty { // sorted keys: "room" between "ring" and "seq"; the lobby is left out
            p.put(#"","room":"#)
            guard string(&p, m.room) else { return false }
            p.put(#","seq":"#)
        } else {
            p.put(#"","seq":"#)
        }
        p.decimal(m.slot.seq)
        p.put(#","text":"#)
        guard string(&p, m.text) else { return false }
        p.put(#","ts":"#)
        if m.timestamp < 0 { p.put(UInt8(ascii: "-")) }
        p.decimal(m.timestamp.magnitude)
        p.put(ending)
        return true
    }

    /// The bytes of a line, or of what is left of it after a string that
    /// went straight to the buffer, built in stack memory and appended in
    /// one copy. A string is copied in only if `stretch` bytes stay free
    /// after it: the longest stretch between two strings, from the nick's
    /// closing quote to the text's opening one of a lobby line
    /// (`","ring":"E.CREATOR.I","seq":N,"text":"`), is 95 bytes. Every
    /// write checks the capacity anyway.
    struct LinePiece {
        static let capacity = 1_024
        static let stretch = 128
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

        mutating func put(_ b: UInt8) {
            room(1)
            base[count] = b
            count += 1
        }

        mutating func put(_ s: StaticString) {
            s.withUTF8Buffer { u in
                room(u.count)
                (base + count).initialize(from: u.baseAddress!, count: u.count)
                count += u.count
            }
        }

        /// `NodeID.hex`: 16 lowercase hex digits.
        mutating func hex(_ v: UInt64) {
            room(16)
            hex8(UInt32(truncatingIfNeeded: v >> 32), at: count)
            hex8(UInt32(truncatingIfNeeded: v), at: count + 8)
            count += 16
        }

        /// 8 hex digits in one store: each nibble of `v` is spread into a
        /// byte of its own (nibble k in byte k), '0' is added to every
        /// byte, and 'a' - '0' - 10 more to those from 10 up (exactly those
        /// carry into bit 4 when 6 is added); stored big-endian, the most
        /// significant digit comes first.
        private func hex8(_ v: UInt32, at offset: Int) {
            var x = UInt64(v)
            x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
            x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
            x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F
            let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
            let ascii = x &+ 0x3030_3030_3030_3030 &+ letters &* 39
            UnsafeMutableRawPointer(base + offset).storeBytes(of: ascii.bigEndian, as: UInt64.self)
        }

        /// `v` in decimal, without leading zeros, two digits a step from
        /// `digitPairs` (one digit a step, the 13 of `ts` and the rest were
        /// a quarter of a line's instructions).
        mutating func decimal(_ v: UInt64) {
            var digits = 1
            var x = v
            while x >= 10_000 { x /= 10_000; digits += 4 }
            if x >= 100 { x /= 100; digits += 2 }
            if x >= 10 { digits += 1 }
            room(digits)
            x = v
            var end = count + digits
            while x >= 10 {
                let pair = Int(truncatingIfNeeded: x % 100)
                x /= 100
                end -= 2
                (base + end).initialize(from: Self.digitPairs.utf8Start + 2 * pair, count: 2)
            }
            if end > count { base[count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: x) }
            count += digits
        }

        /// "00", "01", … "99": the two digits of `decimal`'s steps.
        static let digitPairs: StaticString = """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """

        /// `s` as a JSON string, if it needs no escaping and fits (see
        /// `body`); else false, with nothing written.
        mutating func fit(_ s: String) -> Bool {
            s.utf8.withContiguousStorageIfAvailable { bytes in
                guard count + bytes.count + 2 <= Self.capacity - Self.stretch, !ReplicaLineCodec.needsEscaping(bytes) else { return false }
                base[count] = UInt8(ascii: "\"")
                if let b = bytes.baseAddress { (base + count + 1).initialize(from: b, count: bytes.count) }
                base[count + 1 + bytes.count] = UInt8(ascii: "\"")
                count += bytes.count + 2
                return true
            } ?? false
        }

        /// `s` as a JSON string.
        mutating func string(_ s: String, into out: inout [UInt8]) {
            put(UInt8(ascii: "\""))
            // Native strings are contiguous UTF-8; anything else (a bridged
            // string) is made so on a copy.
            if s.utf8.withContiguousStorageIfAvailable({ body(of: $0, into: &out) }) == nil {
                var copy = s
                copy.withUTF8 { body(of: $0, into: &out) }
            }
            put(UInt8(ascii: "\""))
        }

        private mutating func body(of bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
            if ReplicaLineCodec.needsEscaping(bytes) {
                flush(into: &out)
                ReplicaLineCodec.appendEscaped(bytes, to: &out)
            } else if count + bytes.count <= Self.capacity - Self.stretch {
                if let b = bytes.baseAddress { (base + count).initialize(from: b, count: bytes.count) }
                count += bytes.count
            } else {
                flush(into: &out)
                out.append(contentsOf: bytes)
            }
        }

        mutating func flush(into out: inout [UInt8]) {
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
            count = 0
        }

        private func room(_ n: Int) {
            precondition(count + n <= Self.capacity, "replica line piece over \(Self.capacity) bytes")
        }
    }

    /// Whether JSON needs `b` escaped: quote, backslash and the control
    /// characters (JSONEncoder with `.withoutEscapingSlashes`); every other
    /// byte, DEL and UTF-8 included, is written raw. The one rule that both
    /// `needsEscaping(_:)` (the fast scan) and `appendEscaped` follow.
    static func needsEscaping(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    /// Whether any byte of `bytes` `needsEscaping`, eight at a time (a
    /// last partial word is read again from the end, overlapping the one
    /// before; shorter strings, nicks, go byte by byte). A plain byte loop
    /// (a compare and branch per byte) and `SIMD16<UInt8>` (whose mask
    /// reduction was not vectorised) cost 10 to 18 instructions a byte
    /// (callgrind); this, about 3.
    static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        guard raw.count >= 8 else { return bytes.contains(where: needsEscaping) }
        var found: UInt64 = 0
        var i = 0
        while i + 8 <= raw.count {
            found |= escapeBits(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < raw.count { found |= escapeBits(raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)) }
        return found != 0
    }

    /// Not zero iff a byte of `w` `needsEscaping`: a word has a byte below
    /// n (n <= 128) iff `(w - n…n) & ~w & 0x80…80` is not zero, and a byte
    /// equal to c iff `w ^ c…c` has one below 1 ("Bit Twiddling Hacks",
    /// hasless and haszero; a borrow only runs past a byte that matched,
    /// so the answer is exact). A test checks every byte value at every
    /// position against `needsEscaping(_: UInt8)`.
    static func escapeBits(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let below = ((w &- ones &* 0x20) & ~w) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
        return below & (ones &* 0x80)
    }

    /// Appends `bytes` as the inside of a JSON string: JSONEncoder's
    /// escaping with `.withoutEscapingSlashes` (short forms where JSON has
    /// them, else \u00XX in lowercase hex). Byte by byte: only for the
    /// rare string that `needsEscaping`.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for b in bytes {
            guard needsEscaping(b) else { out.append(b); continue }
            out.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: "u00".utf8)
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0xF))
            }
        }
    }

    private static func hexDigit(_ d: UInt8) -> UInt8 {
        d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") - 10 + d
    }
}

