import ArgumentParser
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare several state dirs' replicas offline; with --write, bring them all to the merged log.",
        discussion: """
        Reads each DIR's replica.jsonl (read-only unless --write), merges them \
        (the union of their messages in the agreed order: by ring, then seq), \
        and reports for each dir what it lacks, messages held at another slot \
        than the agreed one, and any disagreement (one message id with two \
        contents, or one slot holding two ids). With --write, every replica \
        that differs is rewritten atomically as the merged log in agreed order, \
        so that all of them end byte-identical; a dir whose node is running \
        (it holds DIR/lock) is refused: stop that node first (Ctrl-D, /quit or \
        SIGTERM), then run reconcile --write again.

        Exit status: 0 the replicas agree (or were made identical), 1 they \
        differ and were not written, 2 a disagreement was found, 3 a replica \
        could not be written.
        """
    )

    @Argument(help: ArgumentHelp("State directories to compare (at least one).", valueName: "dir"))
    var dirs: [String]

    @Flag(help: "Rewrite every replica that differs as the merged, agreed log.")
    var write = false

    @Option(parsing: .unconditional, help: "How many lacking messages and disagreements to list per dir.")
    var limit: Int = 10

    func validate() throws {
        guard !dirs.isEmpty else { throw ValidationError("give at least one state directory") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        for d in dirs where !StateDirectory.isDirectory(d) {
            throw ValidationError("'\(d)' is not a directory")
        }
    }

    func run() throws {
        // Streams the replicas in slot order through their indexes: bounded
        // memory whatever their length (docs/STORAGE.md).
        let s = try StreamingReconciler(directories: dirs, examples: limit)
        defer { s.close() }
        let r = s.result
        for line in r.report(limit: limit) { print(line) }
        if write {
            let (lines, failures) = s.write()
            for l in lines { print(l) }
            if failures > 0 { throw ExitCode(3) }
        }
        if !r.disagreements.isEmpty { throw ExitCode(2) }
        if !write && !r.allAgree { throw ExitCode(1) }
        print(write || r.allIdentical ? "all replicas identical" : "all replicas hold the same messages at the same slots")
    }
}
