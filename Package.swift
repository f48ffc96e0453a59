// swift-tools-version: 6.0
import PackageDescription

// The layering mirrors swift-nio's NIOCore/NIOPosix split: RingChatCore is
// pure (no I/O, no clock, no randomness of its own); every other target is a
// shell around it. See docs/PROTOCOL.md and README.md.
let package = Package(
    name: "RingChat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ringchat", targets: ["ringchat"]),
        // For the separate micro-benchmark package in Benchmarks/.
        .library(name: "RingChatCore", targets: ["RingChatCore"]),
        .library(name: "RingChatRuntime", targets: ["RingChatRuntime"]),
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
        .target(name: "RingChatCore"),
        // Deterministic simulator: many nodes, one virtual clock, a seeded
        // faulty network, and the invariant checker.
        .target(name: "RingChatSimulator", dependencies: ["RingChatCore"]),
        // The I/O shell: multicast socket, poll() loop, fault injection,
        // replica/checkpoint files, headless peers.
        .target(name: "RingChatRuntime", dependencies: [
            "RingChatCore", "CNetShim", "CSQLite",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // sendmmsg(), which Glibc's Swift module does not expose.
        .target(name: "CNetShim"),
        // The system's SQLite, for the replica's derived index (docs/STORAGE.md).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // ncursesw, wrapped in a tiny C target (see SWIFT-NCURSES-NOTES).
        .target(name: "CNCurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The terminal UI: pure view models plus the ncurses drawing shell.
        .target(name: "RingChatTUI", dependencies: ["RingChatCore", "RingChatRuntime", "CNCurses"]),
        // Fuzz targets for every reader of peer or disk bytes, and the
        // `ringchat-fuzz` tool (the libFuzzer entry when built with
        // -sanitize=fuzzer -DFUZZING; see docs/SECURITY.md).
        .target(name: "RingChatFuzz", dependencies: ["RingChatCore", "RingChatRuntime"]),
        .executableTarget(name: "ringchat-fuzz", dependencies: ["RingChatFuzz"]),
        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "ringchat",
            dependencies: [
                "RingChatCore", "RingChatSimulator", "RingChatRuntime", "RingChatTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RingChatCoreTests", dependencies: ["RingChatCore"]),
        .testTarget(name: "RingChatSimulatorTests", dependencies: ["RingChatSimulator", "RingChatCore"]),
        .testTarget(name: "RingChatRuntimeTests", dependencies: ["RingChatRuntime", "RingChatCore"]),
        .testTarget(name: "FuzzTests", dependencies: ["RingChatFuzz", "RingChatCore", "RingChatRuntime"]),
        .testTarget(name: "RingChatTUITests", dependencies: ["RingChatTUI", "RingChatCore", "RingChatRuntime"]),
        // Real processes, real sockets, tmux: depends on the executable so
        // that `swift test` builds it first.
        .testTarget(name: "EndToEndTests", dependencies: ["ringchat", "RingChatCore", "RingChatRuntime"]),
    ],
    swiftLanguageModes: [.v6]
)
