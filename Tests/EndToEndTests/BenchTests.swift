import Foundation
import Glibc
import Testing

extension EndToEnd {
    /// `ringchat bench` with very short runs: it starts its own nodes,
    /// prints one well-formed line per scenario in the anchors' vocabulary,
    /// and every node delivered the same sequence. No figure is asserted
    /// (speed is the benchmark's business, not the test's).
    @Suite struct Bench {
        static let fields = ["agreed_msgs_per_s", "lat_med_us", "lat_p99_us", "same_order", "stall_ms", "cpu_us_per_msg"]

        func parse(_ line: Substring) -> [String: String] {
            var out: [String: String] = [:]
            for part in line.split(separator: " ") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { out[String(kv[0])] = String(kv[1]) }
            }
            return out
        }

        @Test func tputAndLatPrintWellFormedLinesWithTheSameOrder() throws {
            let dir = NSTemporaryDirectory() + "ringchat-bench-test-\(getpid())-\(Int.random(in: 0...999_999))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let out = dir + "/out", err = dir + "/err"
            let c = try Child([ringchatBinary, "bench", "--tput", "--lat", "--seconds", "1", "--window", "8"],
                              stdout: out, stderr: err, stdin: false)
            // Two runs of ~1 s plus start-up: 120 s only catches a hang.
            let exited = c.wait(timeout: 120)
            c.kill()
            #expect(exited, "bench did not finish: \(c.stderrText())")
            #expect(c.exitCode == 0, "exit \(String(describing: c.exitCode)): \(c.stderrText())")
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n")
            let tput = try #require(lines.first { $0.hasPrefix("tput ") }, "no tput line in: \(text)")
            let lat = try #require(lines.first { $0.hasPrefix("lat ") }, "no lat line in: \(text)")
            for line in [tput, lat] {
                let f = parse(line)
                for k in Self.fields { #expect(f[k] != nil, "\(k) missing in: \(line)") }
                #expect(f["same_order"] == "yes", "\(line)")
                #expect((Int(f["agreed_msgs_per_s"] ?? "") ?? 0) > 0, "nothing delivered: \(line)")
                #expect(Int(f["lat_med_us"] ?? "") != nil && Double(f["cpu_us_per_msg"] ?? "") != nil, "\(line)")
            }
            // The sender's latency histogram holds samples: a median of 0
            // or a p99 below it would mean nothing was recorded or read back.
            let l = parse(lat)
            let med = Int(l["lat_med_us"] ?? "") ?? 0, p99 = Int(l["lat_p99_us"] ?? "") ?? 0
            #expect(med > 0 && p99 >= med, "\(lat)")
        }
    }
}
