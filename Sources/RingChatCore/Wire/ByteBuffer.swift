/// Big-endian writer for the wire codec.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xff)) }
    // Unrolled (a heartbeat's digest page is mostly u32 and u64 fields;
    // a loop over a stride, or an append of the raw bytes, was slower).
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24)); bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v))
    }
    mutating func u64(_ v: UInt64) { u32(UInt32(truncatingIfNeeded: v >> 32)); u32(UInt32(truncatingIfNeeded: v)) }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    /// A string with a one- or two-byte length prefix.
    mutating func string(_ s: String, wide: Bool) {
        // Straight from the string's storage (an `Array(s.utf8)` first cost
        // an allocation per string).
        let n = s.utf8.count
        if wide { u16(UInt16(n)) } else { u8(UInt8(n)) }
        bytes.append(contentsOf: s.utf8)
    }
}

/// Strict big-endian reader: every read is bounds-checked and throws
/// `WireError.truncated` instead of trapping.
struct ByteReader {
    let bytes: [UInt8]
    var index: Int

    init(_ bytes: [UInt8], from index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var remaining: Int { bytes.count - index }

    mutating func u8() throws(WireError) -> UInt8 {
        guard index < bytes.count else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func u16() throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func u32() throws(WireError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated }
        let at = index
        index += 4
        return UInt32(bigEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) })
    }

    mutating func u64() throws(WireError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated }
        let at = index
        index += 8
        return UInt64(bigEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) })
    }

    mutating func i64() throws(WireError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(field)
        }
    }

    /// A length-prefixed UTF-8 string of at most `limit` bytes.
    mutating func string(_ field: String, wide: Bool, limit: Int) throws(WireError) -> String {
        let n = wide ? Int(try u16()) : Int(try u8())
        guard n <= limit else { throw .tooLong(field) }
        guard remaining >= n else { throw .truncated }
        let start = index
        index += n
        guard let s = Self.utf8(bytes, start..<index) else { throw .invalidUTF8(field) }
        return s
    }

    /// `bytes[range]` as a String if they are well-formed UTF-8 (no
    /// overlong forms, surrogates or code points above U+10FFFF; nothing
    /// truncated), else nil. The one UTF-8 check of the decoder.
    private static func utf8(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        if range.isEmpty { return "" }  // the lobby's room
        if #available(macOS 26, *) {
            // UTF8Span validates without generics. `String(validating:as:)`
            // is generic over the encoding and, unspecialized, looked up
            // type metadata on every call: ~1,000 instructions a string,
            // more than the validation and the copy together.
            // (`String(decoding:)` is fast too, but repairs what it should refuse.)
            guard let span = try? UTF8Span(validating: bytes.span.extracting(range)) else { return nil }
            return String(copying: span)
        } else {
            return String(validating: bytes[range], as: UTF8.self)
        }
    }
}
