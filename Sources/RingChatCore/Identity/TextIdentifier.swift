/// An identifier written in files (replica, checkpoints, JSON events) as one
/// string: its `text` form, parsed back strictly.
public protocol TextIdentifier: Codable {
    var text: String { get }
    init?(text: String)
    /// What a valid text looks like, for the decoding error.
    static var textFormat: String { get }
}

extension TextIdentifier {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let id = Self(text: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected \(Self.textFormat)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
