// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of RingChat's hot paths (codec, hold-back queue, replica
// append, checkpoint write) with ordo-one/benchmark. A package of its own so
// that the root package's `swift build` and `swift test` never build the
// benchmark framework. Run from this folder (docs/BENCHMARKS.md):
//
//     swift package --disable-sandbox benchmark
//
// `traits: ["MallocInterposer"]` replaces the framework's default traits:
// jemalloc is not needed (the interposer counts mallocs), and the Linux
// ARC runtime interposer of its Swift 6.3 default is left out.
// A path dependency is named by its folder (`main`, a worktree's name, a CI
// clone's), not by the manifest's "RingChat": take it from this file's path.
let root = String(#filePath.split(separator: "/").dropLast(2).last ?? "RingChat")

let package = Package(
    name: "RingChatBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RingChatCore", package: root),
                .product(name: "RingChatStorage", package: root),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
