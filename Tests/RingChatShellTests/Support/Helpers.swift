#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Synchronization
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// A value shared between a test and the threads or callbacks it starts.
final class Locked<T: Sendable>: Sendable {
    private let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    var value: T { m.withLock { $0 } }
    func update<R: Sendable>(_ f: (inout T) -> R) -> R { m.withLock { f(&$0) } }
}

/// A fresh directory under /tmp, removed by `cleanup()`.
struct TempDir {
    let path: String
    init(_ label: String = "rt") {
        var template = Array("/tmp/ringchat-\(label)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed")
        path = String(cString: p!)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A random high port and a random 239.x group, so that parallel tests (and
/// other engineers' runs) do not hear each other.
func randomGroup() -> (group: String, port: UInt16) {
    let g = "239.\(Int.random(in: 1...254)).\(Int.random(in: 1...254)).\(Int.random(in: 1...254))"
    return (g, UInt16.random(in: 40_000...60_999))
}

/// Starts a plain OS thread: the event loop tests block their own thread in
/// `run()` and need a second thread that is not from the cooperative pool.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var tid = pthread_t()
    let arg = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&tid, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, arg)
    precondition(rc == 0)
    pthread_detach(tid)
}

func readFile(_ path: String) -> [UInt8]? {
    guard let d = FileManager.default.contents(atPath: path) else { return nil }
    return [UInt8](d)
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

func writeFile(_ path: String, _ text: String) { writeFile(path, Array(text.utf8)) }

/// Waits until `fd` is readable or `ms` pass.
func waitReadable(_ fd: Int32, ms: Int32) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, ms) == 1
}
