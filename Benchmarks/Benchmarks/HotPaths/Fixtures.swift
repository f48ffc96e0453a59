import Foundation
import RingChatCore

/// Messages and folders shared by the benchmarks.
enum Fixtures {
    static let sender = NodeID(0x0000_0000_0000_00b0)
    static let receiver = NodeID(0x0000_0000_0000_00a0)
    static let ring = RingID(epoch: 7, creator: receiver, incarnation: 1)
    static let lineage = RingLineage(previous: RingID(epoch: 6, creator: receiver, incarnation: 1), last: 41_000)

    /// 100 bytes of text, like the lines of `ringchat bench`.
    static let text = "b" + String(repeating: "x", count: 99)

    /// About 100 bytes of accented letters and emoji.
    static let unicodeText = "héllo wörld 😀 " + String(repeating: "ü", count: 40)

    /// Message `seq` of `ring`, sent by `sender`.
    static func message(_ seq: UInt64, from origin: NodeID = sender, ring: RingID = ring, text: String = text) -> ChatMessage {
        ChatMessage(id: MessageID(origin: origin, incarnation: 1, counter: UInt32(seq)), nick: "bench", text: text,
                    kind: .text, slot: Slot(ring: ring, seq: seq), timestamp: 1_764_460_800_000 + Int64(seq))
    }

    /// How many 100-byte messages a fresh data packet carries: packed the
    /// way `Node.sendPacked` packs them, against the 1,400-byte budget.
    static let perDatagram: Int = {
        var left = NodeConfig().maxDatagram - WireCodec.dataOverhead - WireCodec.lineageBytes
            - WireCodec.encodedSize(of: message(1))
        var n = 1
        while n < WireLimits.maxMessagesPerPacket {
            let s = WireCodec.encodedSize(of: message(UInt64(n + 1)), after: message(UInt64(n)))
            guard s <= left else { break }
            left -= s
            n += 1
        }
        return n
    }()

    /// `count` messages from seq 1 on, cut into fresh data batches.
    static func batches(_ count: Int) -> [DataBatch] {
        stride(from: 1, through: count, by: perDatagram).map { first in
            let seqs = UInt64(first)...UInt64(min(count, first + perDatagram - 1))
            return DataBatch(retransmission: false, messages: seqs.map { message($0) }, lineage: lineage)
        }
    }
}

/// A fresh folder under the temp dir, removed by `remove()`.
struct TempFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ringchat-microbench-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
