import RingChatCore
import RingChatSession

// TEMPORARY: the names of NodeHost+Private.swift (rooms-plan.md), which the
// lead is writing on main; this file goes when that lands.
public enum PrivateSendResult: Sendable {
    case sent(to: NodeID, nick: String)
    case refused(String)
}

extension NodeHost {
    public func sendPrivate(to nick: String, text: String) -> PrivateSendResult {
        .refused("private messages are not in this build yet")
    }
    public func whois(_ nick: String) -> [String] { ["/whois is not in this build yet"] }
    public func peerNick(_ id: NodeID) -> String? { nil }
}
