import RingChatCore
import RingChatIO
import RingChatStorage

/// `/search` and `/lastlog`: queries of the replica's full-text index,
/// answered by the `SearchReader` thread and handed back on the loop
/// thread. The index follows the replica in the background from the start
/// of the node on.
extension NodeHost {
    func startSearch() {
        guard options.searchIndex else { return }
        let loopHandle = loop.handle
        let gen = generation
        let me = UncheckedWeak(self)
        searchReader = SearchReader(directory: stateDirectory) { id, answer in
            loopHandle.post { me.value?.searchAnswered(id, answer, generation: gen) }
        }
    }

    func stopSearch() {
        searchReader?.close()
        searchReader = nil
        searchCallbacks = [:]
    }

    /// Looks for `query` in the whole history on disk: up to `limit` lines,
    /// newest first, before byte `before` of the replica when given (the
    /// next page). `answer` runs later, on the loop thread; never if the
    /// node stops or crashes first.
    public func search(_ query: SearchQuery, before: Int? = nil, limit: Int = 200, answer: @escaping (SearchAnswer) -> Void) {
        guard let reader = searchReader else { return }
        nextSearch += 1
        searchCallbacks[nextSearch] = answer
        reader.search(.init(id: nextSearch, query: query, before: before, limit: limit))
    }

    private func searchAnswered(_ id: UInt64, _ answer: SearchAnswer, generation gen: UInt64) {
        guard gen == generation, let callback = searchCallbacks.removeValue(forKey: id) else { return }
        callback(answer)
    }
}
