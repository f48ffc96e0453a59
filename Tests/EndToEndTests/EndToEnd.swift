import Testing

/// Every end-to-end test runs real `ringchat` processes; they are nested in
/// this one serialized suite so that they never fight each other for the
/// machine's two cores (timing matters: token timeouts are 100s of ms).
@Suite(.serialized) struct EndToEnd {}
