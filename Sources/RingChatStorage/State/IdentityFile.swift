#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RingChatIO

/// identity.key in the state dir: this node's X25519 private key, one line
/// of base64 after a comment, mode 0600. Made on first start; private
/// messages sent to this node can only be read with it (docs/SECURITY.md).
public enum IdentityFile {
    public static let name = "identity.key"

    /// The key in `dir`, made and written durably if there is none yet.
    /// Refuses a file that other users may read (as a group key file) or
    /// that is not a key, rather than replacing it: a new key would make
    /// every private message kept for this node unreadable.
    public static func loadOrCreate(in dir: String) throws(IdentityFileError) -> (key: IdentityKey, created: Bool) {
        let path = dir + "/" + name
        var st = stat()
        guard stat(path, &st) == 0 else {
            guard errno == ENOENT else { throw IdentityFileError("cannot read \(path): \(String(cString: strerror(errno)))") }
            let key = IdentityKey.generate()
            let text = "# RingChat identity key of this node: private messages to it are sealed for it; never share it\n"
                + Data(key.privateBytes).base64EncodedString() + "\n"
            do throws(SystemError) {
                try FileIO.replaceAtomically(path, in: dir, with: Array(text.utf8))
            } catch {
                throw IdentityFileError("cannot write \(path): \(error)")
            }
            return (key, true)
        }
        guard st.st_mode & 0o077 == 0 else {
            throw IdentityFileError("\(path) is open to other users (mode \(String(st.st_mode & 0o777, radix: 8))): run `chmod 600 \(path)`")
        }
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try FileIO.read(path, limit: 4096) ?? []
        } catch {
            throw IdentityFileError("cannot read \(path): \(error)")
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let raw = Data(base64Encoded: lines[0]),
              let key = try? IdentityKey(privateBytes: Array(raw)) else {
            throw IdentityFileError("\(path) is not an identity key; move it away to make a new one "
                + "(private messages kept for this node would then be unreadable)")
        }
        return (key, false)
    }
}

public struct IdentityFileError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
