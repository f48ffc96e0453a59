/// Feeds a node one turn at a time, the same way in every shell (the
/// runtime's `NodeHost`, the simulator): an input, then every input the
/// shell fed while carrying out the effects (a line typed from a delivery
/// callback, the answer to a `.readHistory`), then `.turnEnd` while the
/// node wants it (`Node.Input.turnEnd`), and whatever that fed in turn.
///
/// It never re-enters the node: `run` called while a turn is running (from
/// within `perform`) queues its input for the running turn and returns.
/// Pure: it owns no clock (`now` is asked for before each input) and
/// performs nothing itself (`perform` gets each input's effects, in order).
public final class TurnDriver {
    /// Inputs fed during the running turn, not handled yet.
    private var queued: [Node.Input] = []
    /// Whether a turn is running (an input fed now is queued).
    public private(set) var isRunning = false
    /// Called before `.turnEnd` would pass a held token: the shell may feed
    /// more inputs from it (a line its program typed in answer to the
    /// deliveries of this turn), which are handled in this turn, while the
    /// node still holds the token. Called again after each such input was
    /// handled, until it feeds nothing. Nil: the turn ends at once.
    public var beforeTurnEnd: (() -> Void)?

    public init() {}

    /// Feeds `input`, then finishes the turn (see the type's comment).
    ///
    /// - Parameters:
    ///   - node: the node to feed, asked for again before each input (nil
    ///     ends the turn: the shell dropped its node meanwhile).
    ///   - now: the clock, read before each input.
    ///   - perform: carries out one input's effects; it owns them, so a
    ///     shell can move each one out instead of copying it.
    public func run(_ input: Node.Input, node: () -> Node?, now: () -> Instant, perform: (consuming [Effect]) -> Void) {
        if isRunning {
            queued.append(input)
            return
        }
        guard let n = node() else { return }
        isRunning = true
        defer { isRunning = false; queued.removeAll(keepingCapacity: true) }
        perform(n.handle(input, now: now()))
        finishTurn(node: node, now: now, perform: perform)
    }

    /// Feeds `inputs` back to back in one turn (lines a program wrote in
    /// one read, datagrams read in one wake-up) as `Node.handle(batch:)`
    /// and performs their effects together, in order: one `perform` for
    /// the lot, not one each. Then finishes the turn.
    public func run(batch inputs: [Node.Input], node: () -> Node?, now: () -> Instant, perform: (consuming [Effect]) -> Void) {
        if isRunning {
            queued += inputs
            return
        }
        guard !inputs.isEmpty, let n = node() else { return }
        isRunning = true
        defer { isRunning = false; queued.removeAll(keepingCapacity: true) }
        perform(n.handle(batch: inputs, now: now()))
        finishTurn(node: node, now: now, perform: perform)
    }

    /// Carries out effects the node produced outside `handle` (a restore),
    /// then finishes the turn like `run`.
    public func run(after effects: [Effect], node: () -> Node?, now: () -> Instant, perform: (consuming [Effect]) -> Void) {
        precondition(!isRunning, "TurnDriver.run(after:) inside a turn")
        isRunning = true
        defer { isRunning = false; queued.removeAll(keepingCapacity: true) }
        perform(effects)
        finishTurn(node: node, now: now, perform: perform)
    }

    private func finishTurn(node: () -> Node?, now: () -> Instant, perform: (consuming [Effect]) -> Void) {
        while true {
            // What was fed meanwhile goes in as one batch (one status for
            // the lot): a program that answers each delivery with a line,
            // as a bot or the benchmark's load does, fed one input per
            // message, and a status per input was a tenth of a node's CPU.
            // Whatever their effects feed is taken on the next round.
            while !queued.isEmpty, let n = node() {
                var inputs: [Node.Input] = []
                swap(&inputs, &queued)
                perform(n.handle(batch: inputs, now: now()))
            }
            queued.removeAll(keepingCapacity: true)
            guard let n = node(), n.wantsTurnEnd else { return }
            if let linger = beforeTurnEnd {
                linger()
                if !queued.isEmpty { continue }
            }
            // The pass may deliver nothing, but whatever its callbacks feed
            // is fed too before the turn ends.
            perform(n.handle(.turnEnd, now: now()))
            if queued.isEmpty { return }
        }
    }
}
