/// The fields of one JSON event line of a headless node, read without a
/// JSON decoder (a benchmark reads a hundred thousand of them while the
/// nodes it measures run). The one reader of event lines in the benches:
/// values are strings, numbers or booleans of a flat object, as
/// `EventReporter` writes them.
struct EventLine {
    let line: String

    init(_ line: some StringProtocol) { self.line = String(line) }

    var name: String? { string("event") }

    /// The text of `key`'s value: a string's body without its quotes, else
    /// everything up to the next comma or brace.
    func raw(_ key: String) -> Substring? {
        let needle = Array("\"\(key)\":".utf8)
        let u = Array(line.utf8)
        guard u.count >= needle.count,
              let at = (0...(u.count - needle.count)).first(where: { u[$0..<($0 + needle.count)].elementsEqual(needle) }) else { return nil }
        let rest = Substring(line.utf8.dropFirst(at + needle.count))
        if rest.first == "\"" {
            let body = rest.dropFirst()
            guard let end = body.firstIndex(of: "\"") else { return nil }
            return body[..<end]
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end]
    }

    func string(_ key: String) -> String? { raw(key).map(String.init) }
    func int(_ key: String) -> Int? { raw(key).flatMap { Int($0) } }
    func bool(_ key: String) -> Bool { raw(key) == "true" }

    /// The first line of `output` that is a `name` event.
    static func first(_ name: String, in output: String) -> EventLine? {
        output.split(separator: "\n").lazy.map { EventLine($0) }.first { $0.name == name }
    }
}
