#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
import RingChatIO
#endif

/// The one JSON style for every state file: sorted keys so that the same
/// value always gives the same bytes (checksums depend on it), and no
/// escaped slashes so that files stay readable.
enum StateJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try e.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
