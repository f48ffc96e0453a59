import Foundation
import RingChatCore

/// One JSON object from a headless node's stdout.
struct Event {
    let raw: [String: Any]
    var name: String { raw["event"] as? String ?? "" }
    func string(_ k: String) -> String? { raw[k] as? String }
    func int(_ k: String) -> Int? { (raw[k] as? NSNumber)?.intValue }
    func bool(_ k: String) -> Bool? { (raw[k] as? NSNumber)?.boolValue }
    var at: Int64 { (raw["at"] as? NSNumber)?.int64Value ?? 0 }
    var members: [[String: Any]] { raw["members"] as? [[String: Any]] ?? [] }
    var warnings: [String] { raw["warnings"] as? [String] ?? [] }
}

/// Reads a growing JSON Lines file incrementally.
final class EventFile {
    let path: String
    private(set) var events: [Event] = []
    private(set) var badLines: [String] = []
    private var offset = 0
    private var pending: [UInt8] = []

    init(_ path: String) { self.path = path }

    @discardableResult
    func refresh() -> [Event] {
        guard let fh = FileHandle(forReadingAtPath: path) else { return events }
        defer { try? fh.close() }
        try? fh.seek(toOffset: UInt64(offset))
        let data = (try? fh.readToEnd()) ?? Data()
        offset += data.count
        pending += data
        while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(pending[..<nl])
            pending.removeSubrange(...nl)
            if let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] {
                events.append(Event(raw: obj))
            } else {
                badLines.append(String(decoding: line, as: UTF8.self))
            }
        }
        return events
    }
}

/// A replica file parsed into the agreed order (a torn last line of a
/// running node is skipped).
func loadReplica(_ path: String) -> (ordered: [ChatMessage], lines: Int) {
    guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
    var log = MessageLog()
    var lines = 0
    for line in data.split(separator: UInt8(ascii: "\n")) {
        guard let m = try? JSONDecoder().decode(ChatMessage.self, from: Data(line)) else { continue }
        lines += 1
        _ = log.insert(m)
    }
    return (log.sorted(), lines)
}

/// Where two sequences first differ, in a few words (never the whole lists).
func firstDifference(_ a: [String], _ b: [String]) -> String {
    let common = min(a.count, b.count)
    guard let i = (0..<common).first(where: { a[$0] != b[$0] }) ?? (a.count != b.count ? common : nil) else {
        return "identical"
    }
    let ea = i < a.count ? a[i] : "(end)", eb = i < b.count ? b[i] : "(end)"
    return "\(a.count) vs \(b.count) entries, first difference at #\(i): \(ea) vs \(eb)"
}
