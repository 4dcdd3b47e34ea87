// libFuzzer target for AWS's binary event stream (Bedrock's ConverseStream and
// InvokeModelWithResponseStream): the encoder (`EventStreamFrame`) and the test decoder
// (`EventStreamDecoder`) checked against each other, both ways.
//
// 1. The input as a stream: whatever messages decode from its start re-encode to exactly those bytes,
//    and nothing decodes that botocore's checks would refuse; garbage throws, it never traps.
// 2. The input as a recipe for one message (headers of every type with distinct names, then a
//    payload): encoded, it decodes to itself, fed whole or in two parts; any one byte changed is caught
//    by a CRC; its payload round-trips through base64 as a `chunk` carries it.
//
// Built only by `Fuzz/run` (DECOY_FUZZ=1, -sanitize=fuzzer,address, -enable-testing).
import CLibFuzzer
import Glibc

@testable import DecoyProviders

typealias Header = EventStreamFrame.Header

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    decodeAndReencode(input)
    if let message = recipe(input) { roundTrip(message, input) }
    return 0
}

/// Part 1: decode a prefix of the input, re-encode it, compare.
func decodeAndReencode(_ input: [UInt8]) {
    var decoder = EventStreamDecoder()
    decoder.add(input)
    var reencoded: [UInt8] = []
    while true {
        let message: EventStreamDecoder.Message?
        do {
            message = try decoder.next()
        } catch {
            break
        }
        guard let message else { break }
        precondition(Set(message.headers.map(\.name)).count == message.headers.count, "duplicate header names decoded")
        reencoded += EventStreamFrame.message(headers: message.headers, payload: message.payload)
        precondition(reencoded.count <= input.count, "a message re-encodes longer than it was")
    }
    precondition(Array(input.prefix(reencoded.count)) == reencoded, "decoded messages do not re-encode to their bytes")
}

/// Reads headers and a payload from the input: a header count, then for each a type byte, a name
/// length and name, and the value's bytes; the rest is the payload. `nil` when the input runs out.
func recipe(_ input: [UInt8]) -> EventStreamDecoder.Message? {
    var i = 0
    func take(_ count: Int) -> [UInt8]? {
        guard count <= input.count - i else { return nil }
        defer { i += count }
        return Array(input[i..<i + count])
    }
    func integer(_ count: Int) -> UInt64? {
        take(count).map { bytes in bytes.reduce(0) { value, byte in value << 8 | UInt64(byte) } }
    }
    guard let count = integer(1) else { return nil }
    var headers: [Header] = []
    for n in 0..<Int(count % 12) {
        guard let type = integer(1), let nameLength = integer(1), let nameBytes = take(Int(nameLength % 32)) else { return nil }
        // A name from the input's bytes (repaired to UTF-8), made distinct by its position.
        let name = String(n) + String(decoding: nameBytes, as: UTF8.self)
        guard name.utf8.count <= 255, !headers.contains(where: { $0.name == name }) else { continue }
        let value: Header.Value
        switch type % 10 {
        case 0: value = .bool(true)
        case 1: value = .bool(false)
        case 2, 3, 4, 5, 8:
            let widths: [UInt64: Int] = [2: 1, 3: 2, 4: 4, 5: 8, 8: 8]
            guard let v = integer(widths[type % 10]!) else { return nil }
            switch type % 10 {
            case 2: value = .byte(Int8(truncatingIfNeeded: v))
            case 3: value = .short(Int16(truncatingIfNeeded: v))
            case 4: value = .integer(Int32(truncatingIfNeeded: v))
            case 5: value = .long(Int64(bitPattern: v))
            default: value = .timestamp(Int64(bitPattern: v))
            }
        case 6, 7:
            guard let length = integer(1), let bytes = take(Int(length)) else { return nil }
            value = type % 10 == 6 ? .bytes(bytes) : .string(String(decoding: bytes, as: UTF8.self))
        default:
            guard let bytes = take(16) else { return nil }
            value = .uuid(bytes)
        }
        headers.append(Header(name, value))
    }
    return EventStreamDecoder.Message(headers: headers, payload: Array(input[i...]))
}

/// Part 2: encode the recipe's message and read it back every way.
func roundTrip(_ message: EventStreamDecoder.Message, _ input: [UInt8]) {
    let encoded = EventStreamFrame.message(headers: message.headers, payload: message.payload)
    let headerBlock = EventStreamFrame.encode(message.headers)
    precondition(encoded.count == 16 + headerBlock.count + message.payload.count, "frame length")
    do {
        let one = try EventStreamDecoder.messages(encoded)
        precondition(one == [message], "a message does not decode to itself")
        let two = try EventStreamDecoder.messages(encoded + encoded)
        precondition(two == [message, message], "two messages in a row")
    } catch {
        preconditionFailure("a message the encoder wrote does not decode: \(error)")
    }

    // Fed in two parts: nothing until the whole message is there.
    let split = Int(input.first ?? 0) * 7919 % encoded.count
    var decoder = EventStreamDecoder()
    decoder.add(encoded[..<split])
    do {
        let early = try decoder.next()
        precondition(early == nil, "a message decoded from part of its bytes")
        decoder.add(encoded[split...])
        let whole = try decoder.next()
        precondition(whole == message, "a message fed in two parts")
    } catch {
        preconditionFailure("a message fed in two parts does not decode: \(error)")
    }

    // One byte changed: a CRC catches it (CRC-32 detects every burst of up to 32 bits).
    var corrupted = encoded
    let at = Int(input.last ?? 0) * 31 % corrupted.count
    corrupted[at] ^= input.count > 1 && input[1] != 0 ? input[1] : 0x5A
    do {
        _ = try EventStreamDecoder.messages(corrupted)
        preconditionFailure("a changed byte at \(at) went unnoticed")
    } catch {
        // expected
    }

    // The payload as a chunk's base64.
    var base64: [UInt8] = []
    Base64.append(message.payload, to: &base64)
    precondition(Base64.decode(String(decoding: base64, as: UTF8.self)) == message.payload, "base64 round trip")
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
