import Benchmark
import RingChatCore

/// `WireCodec` on what a loaded ring sends most: full data packets (as
/// many 100-byte lines as fit in 1,400 bytes) and tokens.
func codecBenchmarks() {
    let data = Packet(sender: Fixtures.sender, incarnation: 1, counter: 123_456,
                      body: .data(Fixtures.batches(Fixtures.perDatagram)[0]))
    let token = Packet(sender: Fixtures.sender, incarnation: 1, counter: 123_457,
                       body: .token(Token(ring: Fixtures.ring, hop: 98_765, to: Fixtures.receiver, toIncarnation: 1,
                                          nextSeq: 1_234_567, lineage: Fixtures.lineage)))
    // 64 lines in one datagram (a holder's `maxBatch`, in one packet when
    // the datagram budget is above 10 kB): the per-message costs, which
    // the strings' (UTF-8 check, copy) dominate; ASCII lines, and accented
    // and emoji lines.
    let batch64 = Packet(sender: Fixtures.sender, incarnation: 1, counter: 123_458,
                         body: .data(DataBatch(retransmission: false, messages: (1...64).map { Fixtures.message($0) },
                                               lineage: Fixtures.lineage)))
    let batch64Unicode = Packet(sender: Fixtures.sender, incarnation: 1, counter: 123_459,
                                body: .data(DataBatch(retransmission: false,
                                                      messages: (1...64).map { Fixtures.message($0, text: Fixtures.unicodeText) },
                                                      lineage: Fixtures.lineage)))
    let config = Benchmark.Configuration(scalingFactor: .kilo)
    for (name, packet) in [("data packet (\(Fixtures.perDatagram) msgs, \(WireCodec.encode(data).count) B)", data),
                           ("data batch (64 msgs, \(WireCodec.encode(batch64).count) B)", batch64),
                           ("data batch (64 non-ASCII msgs, \(WireCodec.encode(batch64Unicode).count) B)", batch64Unicode),
                           ("token (\(WireCodec.encode(token).count) B)", token)] {
        let bytes = WireCodec.encode(packet)
        Benchmark("codec encode \(name)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(WireCodec.encode(packet)) }
        }
        Benchmark("codec decode \(name)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try WireCodec.decode(bytes)) }
        }
    }
}
