import RingChatCore
import RingChatSession
@testable import RingChatTUI

/// A test backend that knows nothing of rooms or private messages: the
/// scroll-back and search tests' doubles, which never join or `/msg`.
protocol RoomlessBackend: ChatBackend {}

extension RoomlessBackend {
    func join(_ room: String) -> Bool { false }
    func part(_ room: String) -> Bool { false }
    var roomList: [(room: String, members: Int)] { [] }
    func sendPrivate(to nick: String, text: String) -> PrivateSendResult { .refused("no private messages in this test") }
    func whois(_ nick: String) -> [String] { [] }
    func peerNick(_ id: NodeID) -> String? { nil }
}
