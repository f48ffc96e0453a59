import RingChatCore

/// The one owner of replica.jsonl's line format: what a line holds, how it
/// is written, how it is read back, and which format version it carries.
///
/// A line is one `ChatMessage` as a flat JSON object with sorted keys and
/// a newline:
///
///     {"id":"NODE.INC.COUNTER","kind":"text","nick":"...","ring":"EPOCH.CREATOR.INC","seq":N,"text":"...","ts":MS,"v":2}
///
/// **Version.** Every line this build writes carries `"v":2` (`version`).
/// A line without `"v"` is version 1: the lines written before the format
/// had a version, otherwise the same (`Tests/Fixtures/replica-unversioned.jsonl`
/// holds such lines, and a test reads them). A line with any other `"v"`
/// is not a valid line for this build: a later format may change what the
/// fields mean. The version is per line, not a header line, because lines
/// move on their own (the disk thread appends them one batch at a time to
/// whatever file it finds, `.broken` gets single lines, `reconcile`
/// rewrites files from lines of several replicas), because a file may hold
/// both versions after an upgrade, and because `jq` and `less` still see one
/// message a line. Older builds read version-2 lines through their JSON
/// decoder, which ignores the unknown key (their fast parser declines it).
/// docs/STORAGE.md has the reasons in full.
///
/// **Writing** (`append`) is by hand, byte for byte what JSONEncoder with
/// sorted keys writes for the same value (a test checks it), at a fraction
/// of the cost: the profile of `ringchat bench --tput` had JSONEncoder at a
/// quarter of a node's CPU. See ReplicaLineWriter.swift.
///
/// **Reading** (`decode`) tries the fast parser (ReplicaLineParser.swift),
/// which accepts only the flat object this writer produces (keys in any
/// order) and declines anything else; the JSON decoder then has the last
/// word on what a valid line is. Both are strict about the version.
/// `read` adds `StoredStateValidator`: a well-formed line with a value no
/// honest node writes is `implausible`, never a message.
public enum ReplicaLineCodec {
    /// The format version this build writes, as `"v"` on every line.
    public static let version = 2
    /// What a line without `"v"` is.
    public static let unversioned = 1

    // MARK: writing

    /// One message as a line, newline included.
    public static func line(for m: ChatMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(136 + m.nick.utf8.count + m.text.utf8.count)
        append(m, to: &out)
        return out
    }

    /// Appends `m`'s line, newline included, to a batch buffer (what the
    /// disk thread does).
    public static func append(_ m: ChatMessage, to out: inout [UInt8]) {
        appendLine(m, ending: versionSuffix, to: &out)
    }

    /// `append` of the message at `m`, read in place (no copy of it, nor
    /// a retain of its strings).
    static func append(at m: UnsafePointer<ChatMessage>, to out: inout [UInt8]) {
        appendLine(at: m, ending: versionSuffix, to: &out)
    }

    /// A line of an older format, for tests, seeds and fixtures only: a
    /// running node writes `version`.
    package static func line(for m: ChatMessage, version: Int) -> [UInt8] {
        precondition(version == Self.version || version == unversioned, "no writer for replica format \(version)")
        guard version == unversioned else { return line(for: m) }
        var out: [UInt8] = []
        appendLine(m, ending: "}\n", to: &out)
        return out
    }

    // MARK: reading

    /// One line (without its newline) as a message, or nil if it is not a
    /// valid line: the fast parser, else the JSON decoder, which decides.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> ChatMessage? {
        if let m = parse(bytes) { return m }
        return decodeWithJSONDecoder(bytes)
    }

    /// The same for bytes in an array (slices included).
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> ChatMessage? {
        if let m = bytes.withContiguousStorageIfAvailable({ decode($0) }) { return m }
        return Array(bytes).withUnsafeBufferPointer { decode($0) }
    }

    /// What a replica line holds, for a reader of the file.
    public enum Reading: Equatable, Sendable {
        /// A message an honest node could have written.
        case message(ChatMessage)
        /// Well-formed, but with a value no honest node writes
        /// (`StoredStateValidator`): moved aside, never used.
        case implausible(ChatMessage, StoredStateValidator.Rejection)
        /// A line of a later version (`what`: its kind or format): kept in
        /// the file, never read as a message, said once per read of the
        /// file (docs/STORAGE.md, "Lines of a later version").
        case later(String)
        /// Not a valid line (torn, damaged).
        case invalid
    }

    /// Decodes and validates one line (without its newline).
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Reading {
        guard let m = decode(bytes) else { return later(bytes).map { .later($0) } ?? .invalid }
        if let why = StoredStateValidator.check(m) { return .implausible(m, why) }
        return .message(m)
    }

    /// What makes a line this build cannot read one of a later version, or
    /// nil if it is not one: a JSON object with a message id whose `"v"` is
    /// above `version` (`format 3`), or whose `"kind"` this build does not
    /// know (`kind "poll"`). Asked only of lines that did not decode.
    static func later(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        struct Line: Decodable {
            var id: String
            var kind: String?
            var v: Int?
        }
        guard let l = try? StateJSON.decode(Line.self, from: bytes), MessageID(text: l.id) != nil else { return nil }
        if let v = l.v, v > version { return "format \(v)" }
        if l.v == nil || l.v == version, let k = l.kind, MessageKind(name: k) == nil {
            return "kind \"" + String(k.unicodeScalars.prefix(32).filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init)) + "\""
        }
        return nil
    }

    /// The JSON decoder's reading alone (no fast path): the reference the
    /// fast parser must agree with (the replica fuzz target checks it).
    package static func decodeWithJSONDecoder(_ bytes: UnsafeBufferPointer<UInt8>) -> ChatMessage? {
        (try? StateJSON.decode(VersionedLine.self, from: bytes))?.message
    }

    /// The fast parser alone (nil: declined, not necessarily invalid).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ChatMessage? {
        ReplicaLineParser.parse(bytes)
    }

    /// A line as Codable sees it: `ChatMessage`'s keys and `"v"`.
    struct VersionedLine: Codable {
        var message: ChatMessage
        var version: Int

        enum CodingKeys: String, CodingKey { case v }

        init(_ m: ChatMessage, version: Int = ReplicaLineCodec.version) {
            message = m
            self.version = version
        }

        init(from decoder: any Decoder) throws {
            message = try ChatMessage(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.v) {
                version = try c.decode(Int.self, forKey: .v)
                guard version == ReplicaLineCodec.version else {
                    throw DecodingError.dataCorruptedError(forKey: .v, in: c, debugDescription: "replica format \(version)")
                }
            } else {
                version = ReplicaLineCodec.unversioned
            }
        }

        func encode(to encoder: any Encoder) throws {
            try message.encode(to: encoder)
            guard version != ReplicaLineCodec.unversioned else { return }
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(version, forKey: .v)
        }
    }
}
