#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// The secret a keyed group shares: 32 random bytes, kept in a file as one
/// line of base64 (`ringchat keygen` writes it). Every packet of a keyed
/// node is sealed with it (see `PacketSeal`).
public struct GroupKey: Sendable {
    /// The 32 secret bytes (SymmetricKey is not Sendable; `PacketSeal`
    /// makes one from these).
    let bytes: [UInt8]
    /// A short public name for the key (the first 4 bytes of its SHA-256),
    /// so people can check they hold the same one without showing it.
    public let fingerprint: String

    public init(bytes: [UInt8]) throws(GroupKeyError) {
        guard bytes.count == 32 else { throw GroupKeyError("a group key is 32 bytes; this one has \(bytes.count)") }
        self.bytes = bytes
        fingerprint = SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// A fresh key from the system's random source.
    public static func generate() -> GroupKey {
        let k = SymmetricKey(size: .bits256)
        // Exactly 32 bytes by construction.
        return try! GroupKey(bytes: k.withUnsafeBytes { Array($0) })
    }

    /// The key file's contents: a comment line and the base64 key.
    public var fileText: String {
        let b64 = Data(bytes).base64EncodedString()
        return "# RingChat group key \(fingerprint): give it only to the group's members (chmod 600)\n\(b64)\n"
    }

    /// Reads a key file. Refuses a file that group or others may read or
    /// write: a key anyone on the machine can copy protects nothing.
    public static func load(from path: String) throws(GroupKeyError) -> GroupKey {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw GroupKeyError("cannot read the key file \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GroupKeyError("the key file \(path) is not a regular file") }
        let loose = st.st_mode & 0o077
        guard loose == 0 else {
            throw GroupKeyError("the key file \(path) is open to other users (mode \(String(st.st_mode & 0o777, radix: 8))): run `chmod 600 \(path)`")
        }
        guard st.st_size <= 4096, let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw GroupKeyError("the key file \(path) is not a RingChat key (make one with `ringchat keygen`)")
        }
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let bytes = Data(base64Encoded: lines[0]) else {
            throw GroupKeyError("the key file \(path) is not a RingChat key: expected one line of base64 (make one with `ringchat keygen`)")
        }
        do { return try GroupKey(bytes: Array(bytes)) } catch { throw GroupKeyError("the key file \(path): \(error.message)") }
    }
}

public struct GroupKeyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
