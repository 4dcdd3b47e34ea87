import NIOCore

/// The transport under the Responder: how an answer's head, body and stream events go on the wire.
///
/// The Responder decides what to write and when; a writer decides how it is framed (HTTP/1.x today:
/// `HTTP1ResponseWriter`; TLS sits below it in the pipeline; HTTP/2 would be another writer). Writes
/// collect in the writer until `send()` or an ending writes them, so an answer without pauses leaves as
/// one write.
protocol ResponseWriter: AnyObject {
    /// Starts an answer to the request now being answered: its head, and with `body` the whole answer.
    /// Returns whether the connection can be kept after it (a stream to an HTTP/1.0 client ends with it).
    func head(_ head: ResponseHead, body: [UInt8]?) -> Bool

    /// The first `count` bytes of a body whose head said it had `body.count`: a cut answer.
    func partialBody(_ body: [UInt8], count: Int)

    /// One stream event.
    func event(_ bytes: [UInt8])

    /// Writes what has collected; it leaves with the loop's next flush.
    func send()

    /// Bytes collected and not yet sent.
    var pendingBytes: Int { get }

    /// Whether the transport takes more bytes now; a stream waits for `writabilityChanged` when not.
    var isWritable: Bool { get }

    /// Ends the answer cleanly (the stream's last chunk) and writes it; with `close`, the connection
    /// closes once it is out.
    func end(close: Bool)

    /// Writes what has collected and closes without ending the answer: a cut body or stream.
    func abort()

    /// Closes with a TCP reset: the peer sees RST and no bytes.
    func reset()
}

/// An answer's head as the Responder hands it to the writer.
struct ResponseHead {
    var status: Int
    var headers: [(String, String)]
    /// A header carrying the milliseconds the request took to reach its head, and their number.
    var processingTime: (name: StaticString, milliseconds: Int)?
    /// Whether the connection stays open after this answer.
    var keepAlive: Bool
}
