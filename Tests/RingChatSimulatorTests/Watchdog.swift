import Dispatch

/// Runs `body` on another thread and waits at most `seconds` for it. A loop
/// whose length a peer chooses (2^63 iterations) never returns; this lets
/// the test fail, naming the spin, instead of hanging CI. The bound is
/// wide: the work takes well under a second, a spin takes forever.
func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        body()
        done.signal()
    }
    return done.wait(timeout: .now() + seconds) == .success
}
