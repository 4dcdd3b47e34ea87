// Differential libFuzzer target for the HTTP/1.x request framing: the same bytes, cut into the same
// reads, go to Decoy's HTTP1Parser and to SwiftNIO's HTTPRequestDecoder (llhttp, as NIOHTTP1
// configures it), and the two must agree on where each request starts and ends: its method, its
// target, its body bytes, whether the connection stays open after it, and how many requests are
// read before an error. That is where request smuggling lives: a front end and Decoy that split a
// byte stream differently. The first byte is the read size (0 sends everything at once), as in
// HTTPFuzzer; the rest is the conversation.
//
// Decoy differs from NIO on purpose in a few places (docs/RELIABILITY.md, "Differential fuzzing").
// Each is normalised below where it is met, with its reason: a disagreement in a request whose bytes
// show a documented difference ends the comparison there; any other disagreement traps.
//
// Built only by `Fuzz/run` (DECOY_FUZZ=1, -sanitize=fuzzer,address, -enable-testing).
import CLibFuzzer
import Glibc
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import DecoyServer

/// Decoy's head cap in this target: small enough for the fuzzer to reach (NIO's is 80 KiB of fields).
private let maxHeadBytes = 4096

/// One request as a parser read it.
private struct Request: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var body: [UInt8] = []
    var complete = false
    var keepAlive: Bool

    var description: String {
        "\(method) \(target.debugDescription) body \(body.count) B \(String(decoding: body.prefix(40), as: UTF8.self).debugDescription)"
            + "\(complete ? "" : " (incomplete)")\(keepAlive ? "" : " (closes)")"
    }
}

/// What a parser made of the whole input.
private struct Outcome: CustomStringConvertible {
    var requests: [Request] = []
    /// Where each request ended in the input (Decoy only): where the next one starts.
    var ends: [Int] = []
    /// Why reading stopped before the input did; `nil` when it all was read (the last request may be
    /// incomplete).
    var error: String?

    var description: String {
        requests.enumerated().map { "  [\($0.offset)] \($0.element)" }.joined(separator: "\n")
            + "\n  " + (error.map { "error: \($0)" } ?? "no error")
    }
}

// MARK: - The two parsers

private func decoy(_ reads: [ArraySlice<UInt8>]) -> Outcome {
    var parser = HTTP1Parser(maxHeadBytes: maxHeadBytes)
    var outcome = Outcome()
    var buffer = ByteBuffer()
    var written = 0
    for read in reads {
        buffer.writeBytes(read)
        written += read.count
        while true {
            let event: HTTP1Parser.Event?
            do {
                event = try parser.next(&buffer)
            } catch {
                outcome.error = "\(error)"
                return outcome
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                outcome.requests.append(Request(method: head.method, target: head.target, keepAlive: head.keepAlive))
            case .body(let slice):
                outcome.requests[outcome.requests.count - 1].body += slice.readableBytesView
            case .end:
                outcome.requests[outcome.requests.count - 1].complete = true
                outcome.ends.append(written - buffer.readableBytes)
                // ProviderHandler reads nothing after a request that closes the connection.
                if !outcome.requests[outcome.requests.count - 1].keepAlive { return outcome }
            }
        }
    }
    return outcome
}

private func nio(_ reads: [ArraySlice<UInt8>]) -> Outcome {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    var outcome = Outcome()
    func collect() {
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head):
                outcome.requests.append(
                    Request(method: head.method.rawValue, target: head.uri, keepAlive: head.isKeepAlive))
            case .body(let slice):
                outcome.requests[outcome.requests.count - 1].body += slice.readableBytesView
            case .end:
                outcome.requests[outcome.requests.count - 1].complete = true
            }
        }
    }
    for read in reads {
        do {
            try channel.writeInbound(ByteBuffer(bytes: read))
        } catch {
            collect()
            outcome.error = "\(error)"
            return outcome
        }
        collect()
    }
    return outcome
}

// MARK: - Documented differences

/// llhttp's request methods for HTTP/x.x (HTTP_METHOD_MAP of the llhttp SwiftNIO vendors, 9.3).
/// Decoy reads any token as a method and lets the Router answer 404 or 405; llhttp refuses the rest.
private let llhttpMethods: Set<String> = [
    "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
    "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
    "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR", "LINK",
    "UNLINK", "SOURCE", "QUERY",
]

/// The head that starts at `start` as lines (CR stripped), up to its empty line or the input's end.
private func headLines(_ input: [UInt8], from start: Int) -> [ArraySlice<UInt8>] {
    var i = start
    while i < input.count, input[i] == UInt8(ascii: "\r") || input[i] == UInt8(ascii: "\n") { i += 1 }
    var lines: [ArraySlice<UInt8>] = []
    while i < input.count {
        let lf = input[i...].firstIndex(of: UInt8(ascii: "\n")) ?? input.count
        var line = input[i..<lf]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        if line.isEmpty { break }
        lines.append(line)
        i = lf + 1
    }
    return lines
}

private func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

/// Why a disagreement about the request starting at `start` is one of the documented differences, or
/// `nil` when it is not (a finding).
private func documentedDifference(_ input: [UInt8], requestAt start: Int, decoy: Outcome, nio: Outcome, index: Int) -> String? {
    let lines = headLines(input, from: start)
    guard let requestLine = lines.first else { return nil }
    let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    // Decoy refused a head over its size cap or with more than HTTP1Parser.maxFields fields; NIO's
    // caps are 80 KiB of fields and 65,534 fields.
    if let error = decoy.error, (error.hasPrefix("headTooLarge") || error.hasPrefix("tooManyFields")), decoy.requests.count == index { return "Decoy's head caps" }
    if decoy.error?.contains("more than \(HTTP1Parser.maxFields) trailer fields") == true { return "Decoy's trailer cap" }
    if let method = parts.first, !llhttpMethods.contains(text(method)) { return "a method llhttp does not know" }
    if parts.count == 3, let version = parts.last, text(version) != "HTTP/1.1", text(version) != "HTTP/1.0" {
        // Decoy reads HTTP/1.2-1.9 as 1.1 (RFC 9112 §2.3, as nginx) and refuses others; llhttp reads
        // 0.9, 1.0, 1.1 and 2.0 and refuses others.
        return "an HTTP version other than 1.0 and 1.1"
    }
    if parts.count == 3, let target = parts.dropFirst().first, !isOriginForm(target) {
        // Decoy takes any visible bytes as the target (the Router answers 404); llhttp parses URLs.
        return "a request target that is not origin-form in llhttp's URL characters"
    }
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
        let name = text(line[..<colon]).lowercased()
        let value = text(line[(colon + 1)...]).trimmingCharacters(in: " \t")
        switch name {
        case "transfer-encoding" where text(line[(colon + 1)...]).contains("\t"),
            "content-length" where text(line[(colon + 1)...]).contains("\t"):
            // llhttp skips only SP after `chunked` or a length's digits, and so refuses a tab that
            // Decoy skips as OWS (RFC 9110 §5.6.3).
            return "a tab around a framing value"
        case "transfer-encoding" where value.lowercased() != "chunked":
            // Decoy undoes no coding but chunked, so refuses `gzip, chunked`, which llhttp frames as chunked.
            return "a transfer coding other than chunked alone"
        case "content-length" where value.count > 18:
            // Decoy reads at most 18 digits (no body it accepts is near that); llhttp reads up to 2^64.
            return "a content-length of more than 18 digits"
        case "upgrade":
            // NIO stops at an upgrade and hands the rest of the bytes on; Decoy upgrades to nothing.
            return "an upgrade"
        default: break
        }
    }
    let connection = lines.dropFirst().map { text($0).lowercased() }.filter { $0.hasPrefix("connection:") }.joined(separator: ",")
    if connection.contains("\t") {
        // NIO's `isKeepAlive` splits the connection options on commas and trims SP only; Decoy trims
        // OWS, tabs included (RFC 9110 §5.6.3).
        return "a tab around a connection option"
    }
    if connection.contains("close"), connection.contains("keep-alive") {
        // On one line or several: Decoy lets close win; NIO lets keep-alive win on HTTP/1.0.
        return "connection: close and keep-alive together"
    }
    if let method = parts.first, text(method) == "CONNECT" { return "CONNECT (NIO stops at it)" }
    if index < decoy.requests.count, index < nio.requests.count, decoy.requests[index].keepAlive != nio.requests[index].keepAlive,
        lines.first.map({ text($0).hasSuffix("HTTP/1.0") }) == true,
        lines.contains(where: { text($0).lowercased().hasPrefix("transfer-encoding:") })
    {
        // RFC 9112 §6.1: Decoy closes after an HTTP/1.0 request with transfer-encoding; llhttp keeps it.
        return "transfer-encoding on HTTP/1.0"
    }
    if isChunked(lines), chunkSizeLines(input, after: start).contains(where: { line in
        line.prefix(while: { $0.hexDigitValue != nil }).count > 15
    }) {
        // Decoy reads at most 15 hex digits of a chunk size (leading zeros included); llhttp up to 2^64.
        return "a chunk size of more than 15 hex digits"
    }
    let special = ["content-length:", "transfer-encoding:", "connection:", "upgrade:"]
    if isChunked(lines), chunkSizeLines(input, after: start).contains(where: { line in special.contains { text(line).lowercased().hasPrefix($0) } }) {
        // Decoy checks a trailer field's syntax and drops it (RFC 9110 §6.5.1: framing fields have no
        // place there); llhttp reads content-length, transfer-encoding and connection values there too.
        return "a framing field among the trailers"
    }
    if isChunked(lines), chunkDataEndsWithBareLF(input, requestAt: start) {
        // The LF after a chunk's data, whose CR the data took: Decoy takes it as the line end (as nginx
        // does), llhttp wants CRLF. The input's LF-to-CRLF rewrite cannot see it.
        return "a bare LF after chunk data"
    }
    if decoy.error?.contains("invalid chunk extension") == true, chunkSizeLines(input, after: start).contains(where: hasEmptyExtensionPart) {
        // `;;`, `;=v` or `;name=` (an empty name or value): llhttp takes them; RFC 9112 §7.1.1 (a
        // token is 1*tchar) and Decoy refuse them.
        return "an empty chunk extension name or value"
    }
    if let error = decoy.error, error.contains("too long") {
        // Decoy caps a chunk size line (extensions included) at 1 KiB and the trailers at the head's
        // cap; llhttp caps neither.
        return "Decoy's line caps"
    }
    if parts.count != 3 {
        // Decoy takes exactly one SP between the parts of the request line (RFC 9112 §3); llhttp and
        // nginx skip any run of them.
        return "a request line not METHOD SP target SP version"
    }
    // Decoy judges a head, a chunk size line or a trailer once it is whole, llhttp byte by byte: when
    // the input ends inside one, one may have refused what the other still waits for.
    if (decoy.error == nil) != (nio.error == nil), decoy.requests.count == nio.requests.count {
        let waiting = decoy.error == nil ? decoy : nio
        if index == waiting.requests.count || (index == waiting.requests.count - 1 && !waiting.requests[index].complete) {
            return "the input ends inside a head or a chunk line"
        }
    }
    return nil
}

/// `/` then llhttp's URL characters (with `?` and `#`), or `*`.
private func isOriginForm(_ target: ArraySlice<UInt8>) -> Bool {
    if target.elementsEqual("*".utf8) { return true }
    guard target.first == UInt8(ascii: "/") else { return false }
    return target.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!\"$%&'()*+,-./:;<=>@[\\]^_`{|}~?#".utf8).contains(byte)
        }
    }
}

private func isChunked(_ lines: [ArraySlice<UInt8>]) -> Bool {
    lines.contains { text($0).lowercased().hasPrefix("transfer-encoding:") }
}

/// Whether a chunk of the body after the head at `start` is followed by a lone LF, walking the chunks
/// as Decoy reads them.
private func chunkDataEndsWithBareLF(_ input: [UInt8], requestAt start: Int) -> Bool {
    let crlf: [UInt8] = Array("\r\n\r\n".utf8)
    var i = start
    while i < input.count, input[i] == UInt8(ascii: "\r") || input[i] == UInt8(ascii: "\n") { i += 1 }
    guard let headEnd = (i..<max(i, input.count - 3)).first(where: { input[$0..<($0 + 4)].elementsEqual(crlf) }) else {
        return false
    }
    i = headEnd + 4
    while i < input.count {
        guard let lf = input[i...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
        var size = 0
        for byte in input[i..<lf] {
            guard let digit = byte.hexDigitValue else { break }
            size = size &<< 4 | Int(digit)
            if size > input.count { return false }
        }
        if size == 0 { return false }
        i = lf + 1 + size
        guard i < input.count else { return false }
        if input[i] == UInt8(ascii: "\n") { return true }
        i += 2
    }
    return false
}

/// `;;`, `;=`, `=;`, or `=` at the end of a line (before its CR).
private func hasEmptyExtensionPart(_ line: ArraySlice<UInt8>) -> Bool {
    let semicolon = UInt8(ascii: ";")
    let equals = UInt8(ascii: "=")
    let cr = UInt8(ascii: "\r")
    return line.indices.contains { i in
        let next = i + 1 < line.endIndex ? line[i + 1] : cr
        return (line[i] == semicolon && (next == semicolon || next == equals)) || (line[i] == equals && (next == semicolon || next == cr))
    }
}

/// Every line after the head at `start` (a superset of its chunk size lines).
private func chunkSizeLines(_ input: [UInt8], after start: Int) -> [ArraySlice<UInt8>] {
    input[start...].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { $0 }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

// MARK: - The comparison

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let step = data[0] == 0 ? max(size - 1, 1) : Int(data[0])
    // Bare LF becomes CRLF: Decoy accepts LF line ends (RFC 9112 §2.2 lets a recipient), NIO's llhttp
    // configuration refuses them, and no framing differs otherwise.
    var input: [UInt8] = []
    input.reserveCapacity(size)
    for i in 1..<size {
        if data[i] == UInt8(ascii: "\n"), input.last != UInt8(ascii: "\r") { input.append(UInt8(ascii: "\r")) }
        input.append(data[i])
    }
    let reads = stride(from: 0, to: input.count, by: step).map { input[$0..<min(input.count, $0 + step)] }

    let d = decoy(reads)
    let n = nio(reads)
    func disagree(_ what: String, at index: Int) {
        let start = index == 0 ? 0 : d.ends[index - 1]
        if documentedDifference(input, requestAt: start, decoy: d, nio: n, index: index) != nil { return }
        fatalError(
            "Decoy and NIO disagree on request \(index) (\(what)), reads of \(step) B, input \(text(input[...]).debugDescription)\n"
                + "Decoy:\n\(d)\nNIO:\n\(n)")
    }
    var index = 0
    while index < d.requests.count || index < n.requests.count {
        guard index < d.requests.count, index < n.requests.count else {
            disagree("one read it, the other stopped", at: index)
            return 0
        }
        let a = d.requests[index]
        let b = n.requests[index]
        if a.method != b.method || a.target != b.target {
            disagree("request line", at: index)
            return 0
        }
        if a.body != b.body || a.complete != b.complete {
            disagree("body", at: index)
            return 0
        }
        if a.keepAlive != b.keepAlive {
            disagree("keep-alive", at: index)
            return 0
        }
        // Decoy reads nothing after a request that closes the connection; NIO may.
        if !a.keepAlive { return 0 }
        // NIO stops at an upgrade (CONNECT, or an upgrade field): what follows is another protocol's.
        let start = index == 0 ? 0 : d.ends[index - 1]
        if b.method == "CONNECT" || headLines(input, from: start).contains(where: { text($0).lowercased().hasPrefix("upgrade:") }) {
            return 0
        }
        index += 1
    }
    // Both stopped at the same request: both on an error, or both waiting for more.
    if (d.error == nil) != (n.error == nil) {
        // About the request both left incomplete, if they did, else about the next one.
        let incomplete = d.requests.last.map { !$0.complete } ?? false
        disagree("an error against waiting for more", at: incomplete ? index - 1 : index)
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
