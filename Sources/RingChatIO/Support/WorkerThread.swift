#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way a shell type starts its own thread (the disk writer, the
/// output queue, the history reader): a pthread that runs `body` once,
/// with `owner` kept alive until `body` returns.
package enum WorkerThread {
    private final class Start {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// The thread, or the pthread_create error code.
    package static func start(_ body: @escaping () -> Void) -> Result<pthread_t, SystemError> {
        var tid = pthread_t()
        let box = Unmanaged.passRetained(Start(body)).toOpaque()
        let rc = pthread_create(&tid, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(box).release()
            return .failure(SystemError("pthread_create", code: rc))
        }
        return .success(tid)
    }
}
