// swift-tools-version: 6.0
import PackageDescription

// The layering mirrors swift-nio's NIOCore/NIOPosix split: RingChatCore is
// pure (no I/O, no clock, no randomness of its own); RingChatIO and
// RingChatStorage are the small I/O layer; RingChatSession runs one node
// (loop, host, signals, shutdown) for the three front ends: the TUI, the
// headless mode and the server. docs/ARCHITECTURE.md draws the map and
// says what each target may import.
/// Code that runs per packet or per message (the core, the simulator, the
/// host and its socket, the disk thread, the bench's load): in release
/// builds, no run-time exclusivity checks there (about a tenth of the
/// simulator's time in swift_beginAccess; debug builds, and so the tests,
/// keep them).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "RingChat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ringchat", targets: ["ringchat"]),
        // For the separate micro-benchmark package in Benchmarks/.
        .library(name: "RingChatCore", targets: ["RingChatCore"]),
        .library(name: "RingChatStorage", targets: ["RingChatStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // ChaCha20-Poly1305 for the group key (BoringSSL on Linux).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Latency percentiles of `ringchat bench`.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure protocol: packets, codec, membership, token ring, sequencing,
        // reconciler, checkpoint model and the `Node` state machine.
        .target(name: "RingChatCore", swiftSettings: hotPath),
        // Deterministic simulator: many nodes, one virtual clock, a seeded
        // faulty network, and the invariant checker.
        .target(name: "RingChatSimulator", dependencies: ["RingChatCore"], swiftSettings: hotPath),
        // I/O: the poll() loop, the multicast socket and its receive path,
        // fault injection, the group key's seal, child processes.
        .target(name: "RingChatIO", dependencies: [
            "RingChatCore", "CNetShim",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPath),
        // Files: the state dir, replica.jsonl and its SQLite index,
        // checkpoints, the disk thread, the offline reconciler.
        .target(name: "RingChatStorage", dependencies: ["RingChatCore", "RingChatIO", "CSQLite"], swiftSettings: hotPath),
        // One running node: `Session` owns loop, host, signals and
        // shutdown; the headless and server front ends live here too.
        .target(name: "RingChatSession", dependencies: ["RingChatCore", "RingChatIO", "RingChatStorage"], swiftSettings: hotPath),
        // `ringchat bench` and `ringchat bench-history`: harnesses that
        // start real processes, and the hidden `bench-peer` load generator.
        .target(name: "RingChatBench", dependencies: [
            "RingChatCore", "RingChatIO", "RingChatStorage", "RingChatSession",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: hotPath),
        // sendmmsg() and the socket filter, which Glibc's Swift module does not expose.
        .target(name: "CNetShim"),
        // The system's SQLite, for the replica's derived index (docs/STORAGE.md).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // ncursesw, wrapped in a tiny C target (see SWIFT-NCURSES-NOTES).
        .target(name: "CNCurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The terminal UI: pure view models, controllers, and the ncurses
        // drawing shell; a front end of RingChatSession.
        .target(name: "RingChatTUI", dependencies: ["RingChatCore", "RingChatSession", "CNCurses"]),
        // Fuzz targets for every reader of peer or disk bytes, and the
        // `ringchat-fuzz` tool (the libFuzzer entry when built with
        // -sanitize=fuzzer -DFUZZING; see docs/SECURITY.md).
        .target(name: "RingChatFuzz", dependencies: ["RingChatCore", "RingChatIO", "RingChatStorage"]),
        .executableTarget(name: "ringchat-fuzz", dependencies: ["RingChatFuzz"]),
        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "ringchat",
            dependencies: [
                "RingChatCore", "RingChatSimulator", "RingChatIO", "RingChatStorage", "RingChatSession",
                "RingChatTUI", "RingChatBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RingChatCoreTests", dependencies: ["RingChatCore"]),
        .testTarget(name: "RingChatSimulatorTests", dependencies: ["RingChatSimulator", "RingChatCore"]),
        // The I/O, storage and session layers, a folder each.
        .testTarget(name: "RingChatShellTests", dependencies: ["RingChatCore", "RingChatIO", "RingChatStorage", "RingChatSession", "CNetShim"]),
        .testTarget(name: "FuzzTests", dependencies: ["RingChatFuzz", "RingChatCore", "RingChatIO", "RingChatStorage"]),
        .testTarget(name: "RingChatTUITests", dependencies: ["RingChatTUI", "RingChatCore", "RingChatSession"]),
        // Real processes, real sockets, tmux: depends on the executable so
        // that `swift test` builds it first.
        .testTarget(name: "EndToEndTests", dependencies: ["ringchat", "RingChatCore", "RingChatIO", "RingChatStorage", "RingChatSession"]),
    ],
    swiftLanguageModes: [.v6]
)
