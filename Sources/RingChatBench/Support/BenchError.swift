/// Why a benchmark could not run or finish.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
