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
    let config = Benchmark.Configuration(scalingFactor: .kilo)
    for (name, packet) in [("data packet (\(Fixtures.perDatagram) msgs, \(WireCodec.encode(data).count) B)", data),
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
