/// What the receive path should do to incoming datagrams: delay each copy
/// uniformly in `delayMin...delayMax`, drop with probability `loss`,
/// duplicate with probability `dup`. The kernel here has no netem, so the
/// reordering the demo needs comes from here.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public var delayMin: Duration
    public var delayMax: Duration
    public var loss: Double
    public var dup: Double

    /// Delays above this are a typo, not a test: they would only fill the queue.
    public static let maxDelay: Duration = .seconds(60)

    public static let none = FaultSpec()

    public init(delayMin: Duration = .zero, delayMax: Duration = .zero, loss: Double = 0, dup: Double = 0) {
        self.delayMin = delayMin
        self.delayMax = delayMax
        self.loss = loss
        self.dup = dup
    }

    /// True when datagrams pass straight through.
    public var isNone: Bool { delayMax <= .zero && loss <= 0 && dup <= 0 }

    /// Checks the ranges; returns self so that it chains after the init.
    public func validated() throws(FaultSpecError) -> FaultSpec {
        guard delayMin >= .zero, delayMin <= delayMax else {
            throw FaultSpecError("delay range \(delayMin.milliseconds)-\(delayMax.milliseconds) ms must satisfy 0 <= min <= max")
        }
        guard delayMax <= Self.maxDelay else {
            throw FaultSpecError("delay of \(delayMax.milliseconds) ms is above the \(Self.maxDelay.milliseconds) ms limit")
        }
        _ = try Self.checkProbability(loss, name: "loss")
        _ = try Self.checkProbability(dup, name: "dup")
        return self
    }

    /// Builds a spec from the CLI's `--delay`, `--loss`, `--dup` values
    /// (each optional).
    public static func parse(delay: String?, loss: String?, dup: String?) throws(FaultSpecError) -> FaultSpec {
        var spec = FaultSpec()
        if let d = delay { (spec.delayMin, spec.delayMax) = try parseDelay(d) }
        if let l = loss { spec.loss = try parseProbability(l, name: "loss") }
        if let p = dup { spec.dup = try parseProbability(p, name: "dup") }
        return try spec.validated()
    }

    /// `--delay 50` (fixed) or `--delay 20-300` (uniform range), whole
    /// milliseconds, an optional `ms` suffix allowed.
    public static func parseDelay(_ text: String) throws(FaultSpecError) -> (min: Duration, max: Duration) {
        let usage = "--delay must be MS or MIN-MAX in milliseconds (e.g. 50 or 20-300); got '\(text)'"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { throw FaultSpecError(usage) }
        var values: [Int64] = []
        for part in parts {
            var p = part.trimmingSpaces()
            if p.hasSuffix("ms") { p.removeLast(2) }
            guard !p.isEmpty, p.count <= 9, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(p) else {
                throw FaultSpecError(usage)
            }
            values.append(v)
        }
        let lo = values[0], hi = values.count == 2 ? values[1] : values[0]
        guard lo <= hi else { throw FaultSpecError("--delay range '\(text)': the minimum is above the maximum") }
        let r = (min: Duration.milliseconds(lo), max: Duration.milliseconds(hi))
        guard r.max <= maxDelay else {
            throw FaultSpecError("--delay \(hi) ms is above the \(maxDelay.milliseconds) ms limit")
        }
        return r
    }

    /// A probability in [0, 1], e.g. `--loss 0.05`.
    public static func parseProbability(_ text: String, name: String) throws(FaultSpecError) -> Double {
        guard let v = Double(text.trimmingSpaces()) else {
            throw FaultSpecError("--\(name) must be a probability between 0 and 1 (e.g. 0.05); got '\(text)'")
        }
        return try checkProbability(v, name: name)
    }

    private static func checkProbability(_ v: Double, name: String) throws(FaultSpecError) -> Double {
        guard v.isFinite, v >= 0, v <= 1 else {
            throw FaultSpecError("--\(name) must be a probability between 0 and 1; got \(v)")
        }
        return v
    }

    public var description: String {
        if isNone { return "no faults" }
        let d = delayMin == delayMax ? "\(delayMin.milliseconds)" : "\(delayMin.milliseconds)-\(delayMax.milliseconds)"
        return "delay \(d) ms, loss \(loss), dup \(dup)"
    }
}

/// A bad `--delay`/`--loss`/`--dup` value, with a message fit for the user.
public struct FaultSpecError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
