import Foundation
import Glibc
import Testing

extension EndToEnd {
    @Suite struct GroupKeys {
        /// Three peers holding one key and a fourth holding another, on one
        /// group: the three chat normally; the fourth delivers nothing, sees
        /// no member but itself, and says why (authentication failures, with
        /// the source address); nothing it sends reaches the three.
        @Test func aNodeWithAnotherKeyCanNeitherReadNorInject() throws {
            let c = Cluster(label: "keys")
            defer { c.close() }
            let good = c.root + "/group.key", other = c.root + "/other.key"
            for path in [good, other] {
                let ch = try Child([ringchatBinary, "keygen", "--output", path], stdout: path + ".out", stderr: path + ".err", stdin: false)
                #expect(ch.waitForExit() == 0, "keygen failed: \(ch.stderrText())")
            }
            let keyed = ["alice", "bob", "carol"].map { c.add($0, extra: ["--key-file", good]) }
            let mallory = c.add("mallory", extra: ["--key-file", other])
            try c.startAll()
            try #require(waitUntil(15) { keyed.allSatisfy { $0.lastStatus?.members.count == 3 } },
                         "the keyed three never formed a ring\n\(c.diagnostics())")
            try #require(waitUntil(15) { (keyed + [mallory]).allSatisfy { $0.current().contains { $0.name == "started" } } })
            for p in keyed + [mallory] {
                #expect(p.current().first { $0.name == "started" }?.bool("keyed") == true)
            }

            for p in keyed { p.send(["\(p.name) says hi", "\(p.name) again"]) }
            mallory.send(["mallory was here"])
            try #require(waitUntil(20) { keyed.allSatisfy { $0.delivered().count == 6 } },
                         "the keyed three did not deliver their 6 lines\n\(c.diagnostics())")
            let order = keyed[0].delivered().compactMap { $0.string("id") }
            for p in keyed {
                #expect(p.delivered().compactMap { $0.string("id") } == order, "\(p.name) delivered another order")
                #expect(p.lastStatus?.members.count == 3, "\(p.name) counts mallory as a member")
            }

            let warned = waitUntil(10) {
                mallory.current().contains { $0.name == "warning" && ($0.string("message") ?? "").contains("fail authentication: wrong key?") }
            }
            #expect(warned, "mallory never said its packets fail authentication\n\(mallory.tail())")
            let warning = mallory.current().first { $0.name == "warning" }?.string("message") ?? ""
            #expect(warning.contains("packets from 127.0.0.1"), "the warning names no source: \(warning)")
            #expect(waitUntil(10) { mallory.lastStatus?.members.count == 1 }, "mallory counts others as members")
            // Mallory's own line is delivered to mallory alone (its ring of one).
            #expect(!mallory.delivered().contains { ($0.string("text") ?? "").contains("says hi") })
            for p in keyed {
                #expect(!p.delivered().contains { $0.string("text") == "mallory was here" }, "\(p.name) delivered mallory's line")
            }
            for p in keyed + [mallory] { p.send(["/stats"]) }
            try #require(waitUntil(10) { (keyed + [mallory]).allSatisfy { $0.current().contains { $0.name == "stats" } } })
            let stats = (keyed + [mallory]).map { p in p.current().last { $0.name == "stats" }! }
            for (p, s) in zip(keyed + [mallory], stats) {
                #expect((s.int("authFailures") ?? 0) > 0, "\(p.name) counted no authentication failure")
                #expect(s.int("decodeDrops") == 0)
            }
            for p in c.peers { #expect(p.stop() == 0, "\(p.tail())") }
        }
    }
}
