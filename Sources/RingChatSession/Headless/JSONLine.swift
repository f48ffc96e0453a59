import RingChatCore

/// One line of the headless JSON Lines stream, built straight into bytes:
/// keys in the order they are written ("event" first reads best), strings
/// escaped strictly (RFC 8259: quote, backslash and every control
/// character; DEL and U+2028/U+2029 too, so that the line is also valid
/// JS), so a raw newline inside a string never reaches the stream.
///
/// A delivery is rendered once per message at the full speed of the ring:
/// no intermediate values, no `String` appends per Unicode scalar; runs of
/// plain bytes are copied whole.
public struct JSONLine {
    public private(set) var bytes: [UInt8] = []
    private var fields = 0

    public init(reservingCapacity n: Int = 256) { bytes.reserveCapacity(n) }

    /// `{"event":"NAME"`: the start of an event line.
    public init(event: String) {
        self.init()
        key("event")
        Self.quote(event, into: &bytes)
    }

    /// Appends one event line to `buffer`, where a loop turn's lines are
    /// batched. The buffer moves into the line and back: what the turn
    /// already rendered is appended to, never copied.
    public static func append(to buffer: inout [UInt8], event: String, at ms: Int64,
                              _ fields: (inout JSONLine) -> Void) {
        var l = JSONLine(reservingCapacity: 0)
        swap(&l.bytes, &buffer)
        l.key("event")
        quote(event, into: &l.bytes)
        fields(&l)
        l.end(at: ms)
        swap(&l.bytes, &buffer)
    }

    /// `,"at":MS}` and the newline: the end of an event line.
    public mutating func end(at ms: Int64) {
        int("at", ms)
        close()
        bytes.append(0x0A)
    }

    /// `}`: the end of an object (a line's, or a nested one's).
    public mutating func close() {
        if fields == 0 { bytes.append(UInt8(ascii: "{")) }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        Self.quote(value, into: &bytes)
    }

    public mutating func string(_ key: StaticString, _ value: String?) {
        if let value { string(key, value) } else { null(key) }
    }

    public mutating func int(_ key: StaticString, _ value: Int64) {
        self.key(key)
        Self.decimal(value, into: &bytes)
    }

    public mutating func int(_ key: StaticString, _ value: Int) { int(key, Int64(value)) }

    public mutating func uint(_ key: StaticString, _ value: UInt64) {
        self.key(key)
        Self.decimal(value, into: &bytes)
    }

    public mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    public mutating func null(_ key: StaticString) {
        self.key(key)
        bytes.append(contentsOf: Self.nullBytes)
    }

    /// A message id as a string (`MessageID.text`), without making the String.
    public mutating func messageID(_ key: StaticString, _ id: MessageID) {
        self.key(key)
        bytes.append(0x22)
        Self.hex16(id.origin.raw, into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.decimal(UInt64(id.incarnation), into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.decimal(UInt64(id.counter), into: &bytes)
        bytes.append(0x22)
    }

    /// A ring id as a string (`RingID.text`), without making the String.
    public mutating func ringID(_ key: StaticString, _ r: RingID) {
        self.key(key)
        bytes.append(0x22)
        Self.decimal(r.epoch, into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.hex16(r.creator.raw, into: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.decimal(UInt64(r.incarnation), into: &bytes)
        bytes.append(0x22)
    }

    /// A value rendered by `JSONValue` (arrays, nested objects).
    public mutating func value(_ key: String, _ value: JSONValue) {
        bytes.append(UInt8(ascii: fields == 0 ? "{" : ","))
        fields += 1
        Self.quote(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        value.render(into: &bytes)
    }

    /// `,"key":` (or `{"key":` for the first field). The keys of the typed
    /// fields are this file's callers' literals, plain ASCII names: copied
    /// as they are, not escaped.
    private mutating func key(_ key: StaticString) {
        bytes.append(UInt8(ascii: fields == 0 ? "{" : ","))
        fields += 1
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(UInt8(ascii: ":"))
    }

    /// 16 lowercase hex digits, zero-padded (`NodeID.hex`): made in a
    /// scratch and appended in one copy (two per delivery line; a table
    /// look-up and an append per digit showed in a busy node's profile).
    static func hex16(_ v: UInt64, into out: inout [UInt8]) {
        var scratch: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &scratch) { p in
            for i in 0..<16 {
                let d = UInt8(truncatingIfNeeded: v >> UInt64(60 - 4 * i)) & 0xF
                p[i] = d < 10 ? 48 + d : 87 + d
            }
            out.append(contentsOf: p)
        }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func decimal(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            decimal(v.magnitude, into: &out)
        } else {
            decimal(UInt64(v), into: &out)
        }
    }

    static func decimal(_ v: UInt64, into out: inout [UInt8]) {
        if v < 10 { return out.append(UInt8(truncatingIfNeeded: v) + 48) }
        // Digits least significant first into a scratch of 24 bytes (a
        // UInt64 has at most 20), then appended in one copy.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { p in
            var i = p.count
            var v = v
            repeat {
                i -= 1
                p[i] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i...]))
        }
    }

    /// `s` as a JSON string, quotes included. Plain runs are copied whole;
    /// only the bytes that must be escaped are looked at one by one.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var run = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                // One table look-up per byte: 0 plain, 1 escaped, 2 the
                // first byte of U+2028/U+2029 perhaps.
                let kind = escapeKind[Int(b)]
                if kind == 0 || (kind == 2 && !(i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))) {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<i]))
                switch b {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0xE2:
                    // U+2028 / U+2029: three bytes in, one escape out.
                    unicodeEscape(u[i + 2] == 0xA8 ? 0x2028 : 0x2029, into: &out)
                    i += 2
                default: unicodeEscape(UInt32(b), into: &out)
                }
                i += 1
                run = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<u.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Per byte: 1 if `quote` escapes it (quote, backslash, controls, DEL),
    /// 2 for 0xE2 (U+2028/U+2029 start with it), else 0.
    private static let escapeKind: [UInt8] = (0...255).map { b in
        b == 0x22 || b == 0x5C || b < 0x20 || b == 0x7F ? 1 : b == 0xE2 ? 2 : 0
    }

    private static func unicodeEscape(_ v: UInt32, into out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)]) }
    }
}

/// A small JSON value with ordered object keys, for the rarer lines
/// (stats, the bench report, nested members) and the tests; rendered with
/// the same escaping as `JSONLine`.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered == b.rendered }

    public var rendered: String {
        var out: [UInt8] = []
        render(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func render(into out: inout [UInt8]) {
        switch self {
        case .string(let s): JSONLine.quote(s, into: &out)
        case .int(let v): JSONLine.decimal(v, into: &out)
        case .uint(let v): JSONLine.decimal(v, into: &out)
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .null: out.append(contentsOf: Array("null".utf8))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONLine.quote(k, into: &out)
                out.append(UInt8(ascii: ":"))
                v.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue {
    static func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    static func int(_ v: Int) -> JSONValue { .int(Int64(v)) }
}
