import RingChatCore

/// Splits bytes read from a stream into lines (`\n`, a trailing `\r`
/// dropped); keeps the unfinished tail for the next read.
public struct LineSplitter: Sendable {
    /// A line longer than this is cut into pieces (nobody types 64 KB).
    public static let maxLine = 64 << 10
    private var pending: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [String] {
        var out: [String] = []
        let done: Void? = bytes.withContiguousStorageIfAvailable { feed($0, into: &out) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { feed($0, into: &out) }
        }
        return out
    }

    /// Whole lines are made straight from the read buffer; only a line cut
    /// by the end of a read waits in `pending`.
    private mutating func feed(_ u: UnsafeBufferPointer<UInt8>, into out: inout [String]) {
        var start = 0
        while start < u.count {
            let room = Self.maxLine - pending.count
            let end = min(u.count, start + room)
            guard let nl = u[start..<end].firstIndex(of: UInt8(ascii: "\n")) else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<end]))
                start = end
                if pending.count >= Self.maxLine {
                    out.append(Self.text(pending[...]))
                    pending.removeAll(keepingCapacity: true)
                }
                continue
            }
            if pending.isEmpty {
                out.append(Self.text(UnsafeBufferPointer(rebasing: u[start..<nl])))
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<nl]))
                out.append(Self.text(pending[...]))
                pending.removeAll(keepingCapacity: true)
            }
            start = nl + 1
        }
    }

    /// At end of input: the last line if it had no newline.
    public mutating func finish() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : Self.text(pending[...])
    }

    private static func text<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> String where C.SubSequence: Collection<UInt8> {
        if bytes.last == UInt8(ascii: "\r") { return String(decoding: bytes.dropLast(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
