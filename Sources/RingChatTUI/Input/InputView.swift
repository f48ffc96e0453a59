/// The visible part of the input line and the cursor's column within it.
public struct InputView: Hashable, Sendable {
    public var text: String
    public var cursorColumn: Int

    public init(text: String, cursorColumn: Int) {
        self.text = text
        self.cursorColumn = cursorColumn
    }
}
