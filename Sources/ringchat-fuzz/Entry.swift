import RingChatFuzz

// Two builds of one file (docs/SECURITY.md, "Fuzzing"):
// - with -sanitize=fuzzer -DFUZZING, main() hands over to libFuzzer's
//   driver (LLVMFuzzerRunDriver: SwiftPM renames an executable's main, so
//   libFuzzer's own main() cannot be used), which calls `fuzzOne` for each
//   input; RINGCHAT_FUZZ_TARGET picks the target (wire by default);
// - otherwise a small tool that writes the seed corpus or replays inputs.
#if FUZZING
#if canImport(Glibc)
import Glibc
#endif

let fuzzTarget: FuzzTarget = getenv("RINGCHAT_FUZZ_TARGET").flatMap { FuzzTarget(rawValue: String(cString: $0)) } ?? .wire

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzTarget.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
struct FuzzDriver {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}
#else
import Foundation

@main
struct FuzzTool {
    static func main() throws {
        let args = Array(CommandLine.arguments.dropFirst())
        guard args.count >= 2, let target = FuzzTarget(rawValue: args[1]), ["--write-corpus", "--replay"].contains(args[0]) else {
            print("""
            usage: ringchat-fuzz --write-corpus TARGET DIR   write the seed corpus of TARGET (wire, checkpoint, replica) into DIR
                   ringchat-fuzz --replay TARGET FILE...     run TARGET on each file (a crash input from libFuzzer, say)
            The fuzzer itself is this target built with -sanitize=fuzzer: see docs/SECURITY.md.
            """)
            exit(2)
        }
        if args[0] == "--write-corpus" {
            let dir = args.count > 2 ? args[2] : "corpus-\(target.rawValue)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (i, seed) in SeedCorpus.seeds(for: target).enumerated() {
                FileManager.default.createFile(atPath: "\(dir)/seed-\(i)", contents: Data(seed))
            }
            print("wrote \(SeedCorpus.seeds(for: target).count) seeds to \(dir)")
        } else {
            for path in args.dropFirst(2) {
                guard let d = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(1) }
                target.run(Array(d))
                print("\(path): ok")
            }
        }
    }
}
#endif
