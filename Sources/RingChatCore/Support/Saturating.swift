/// Arithmetic on numbers a peer or a file supplied: it stops at the type's
/// bounds instead of trapping. A crafted packet must never be able to kill
/// the process through an overflow (see docs/PROTOCOL.md §12).
extension FixedWidthInteger {
    /// `self + n`, or the bound it would cross.
    @inline(__always)
    public func addingSaturating(_ n: Self) -> Self {
        let (v, overflow) = addingReportingOverflow(n)
        guard overflow else { return v }
        return n > 0 ? .max : .min
    }
}
