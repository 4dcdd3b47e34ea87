import Testing

@testable import DecoyProviders

/// The event-stream encoder against botocore's own test vectors (`tests/unit/test_eventstream.py`), and
/// the test decoder against its negative cases.
@Suite struct EventStreamFrameTests {
    typealias Header = EventStreamFrame.Header

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var digits = hex.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            out.append(high.hexDigitValue! << 4 | low.hexDigitValue!)
        }
        return out
    }

    static let foo = Array("{'foo':'bar'}".utf8)

    /// (botocore's name, the encoded message, its headers and payload).
    static let positive: [(String, String, [Header], [UInt8])] = [
        ("EMPTY_MESSAGE", "000000100000000005c248eb7d98c8ff", [], []),
        ("INT8_HEADER", "000000170000000729860158046279746502ffc2f869dc", [Header("byte", .byte(-1))], []),
        ("INT16_HEADER", "0000001900000009710e923e0573686f727403ffffb27cb6cc", [Header("short", .short(-1))], []),
        ("INT32_HEADER", "0000001d0000000d83e3f0e707696e746567657204ffffffff8b8e12eb", [Header("integer", .integer(-1))], []),
        ("INT64_HEADER", "0000001e0000000e5d4adb8d046c6f6e6705ffffffffffffffff4bc232da", [Header("long", .long(-1))], []),
        ("PAYLOAD_NO_HEADERS", "0000001d00000000fd528c5a7b27666f6f273a27626172277dc3653936", [], foo),
        (
            "PAYLOAD_ONE_STR_HEADER",
            "0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1",
            [Header("content-type", .string("application/json"))], foo
        ),
        (
            "ALL_HEADERS_TYPES",
            "000000620000005203b5cb9c013000013101013202020133030003013404000000040135050000000000000005013606000562797465730137"
                + "0700047574663801380800000000000000080139093031323334353637383961626364656663353671",
            [
                Header("0", .bool(true)), Header("1", .bool(false)), Header("2", .byte(2)), Header("3", .short(3)),
                Header("4", .integer(4)), Header("5", .long(5)), Header("6", .bytes(Array("bytes".utf8))),
                Header("7", .string("utf8")), Header("8", .timestamp(8)), Header("9", .uuid(Array("0123456789abcdef".utf8))),
            ], []
        ),
        (
            "ERROR_EVENT_MESSAGE",
            "0000005200000042bf23637e0d3a6d6573736167652d747970650700056572726f720b3a6572726f722d636f6465070004636f64650e3a"
                + "6572726f722d6d6573736167650700076d6573736167656b6cea3d",
            [
                Header(":message-type", .string("error")), Header(":error-code", .string("code")),
                Header(":error-message", .string("message")),
            ], []
        ),
    ]

    @Test func crc32IsZlibs() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)  // the CRC-32 check value
        #expect(CRC32.checksum([UInt8]()) == 0)
        let whole = Self.bytes("0000001d00000000fd528c5a7b27666f6f273a27626172277d")
        #expect(CRC32.checksum(whole[0..<8]) == 0xFD52_8C5A)
        #expect(CRC32.checksum(whole) == 0xC365_3936)
        #expect(CRC32.checksum(whole[8...], seed: 0xFD52_8C5A) == 0xC365_3936)
    }

    @Test func theEncoderWritesBotocoresVectors() {
        for (name, hex, headers, payload) in Self.positive {
            #expect(EventStreamFrame.message(headers: headers, payload: payload) == Self.bytes(hex), "\(name)")
        }
    }

    @Test func theDecoderReadsBotocoresVectorsOneByOneAndOnOneBuffer() throws {
        var all: [UInt8] = []
        for (name, hex, headers, payload) in Self.positive {
            let messages = try EventStreamDecoder.messages(Self.bytes(hex))
            #expect(messages == [EventStreamDecoder.Message(headers: headers, payload: payload)], "\(name)")
            all += Self.bytes(hex)
        }
        #expect(try EventStreamDecoder.messages(all).count == Self.positive.count)
    }

    @Test func theDecoderWaitsForAMessageCutShort() throws {
        let whole = Self.bytes(Self.positive[6].1)
        var decoder = EventStreamDecoder()
        decoder.add(whole[..<15])
        #expect(try decoder.next() == nil)
        decoder.add(whole[15...])
        #expect(try decoder.next()?.string("content-type") == "application/json")
        #expect(throws: EventStreamDecoder.Failure.incomplete) { try EventStreamDecoder.messages(Array(whole.dropLast())) }
    }

    @Test func theDecoderRefusesBotocoresNegativeCases() {
        let cases: [(String, String, EventStreamDecoder.Failure)] = [
            ("CORRUPTED_LENGTH", "0100001d00000000fd528c5a7b27666f6f273a27626172277dc3653936", .preludeChecksum),
            ("CORRUPTED_PAYLOAD", "0000001d00000000fd528c5a7b27666f6f273a27626172278dc3653936", .messageChecksum),
            (
                "CORRUPTED_HEADERS",
                "0000003d0000002007fd83960c636f6e74656e742b747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1",
                .messageChecksum
            ),
            (
                "CORRUPTED_HEADER_LENGTH",
                "0000003dff00010207fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1",
                .preludeChecksum
            ),
            ("DUPLICATE_HEADER", "00000024000000144bb982d00474657374046173646604746573740461736466f3f47563", .duplicateHeader),
        ]
        for (name, hex, failure) in cases {
            #expect(throws: failure, "\(name)") { try EventStreamDecoder.messages(Self.bytes(hex)) }
        }
    }

    @Test func lengthsAreCheckedOnceThePreludeIsSound() {
        // A prelude with a sound CRC but a total below 16, and one whose headers overrun the message.
        for (total, headers) in [(UInt32(12), UInt32(0)), (20, 8)] {
            var prelude: [UInt8] = []
            for value in [total, headers] { prelude += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
            let crc = CRC32.checksum(prelude)
            prelude += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) }
            #expect(throws: EventStreamDecoder.Failure.badLengths) { try EventStreamDecoder.messages(prelude + [0, 0, 0, 0]) }
        }
    }

    @Test func anEventsHeadersAreTheThreeBotocoreDispatchesOn() throws {
        let message = EventStreamFrame.message(headers: ConverseStream.deltaHeaders, payload: Array("{}".utf8))
        let decoded = try #require(try EventStreamDecoder.messages(message).first)
        #expect(decoded.headers.map(\.name) == [":event-type", ":content-type", ":message-type"])
        #expect(decoded.string(":event-type") == "contentBlockDelta")
        #expect(decoded.string(":content-type") == "application/json")
        #expect(decoded.string(":message-type") == "event")
        let failure = try #require(try EventStreamDecoder.messages(EventStreamFrame.message(headers: InvokeStream.failureHeaders, payload: [])).first)
        #expect(failure.string(":message-type") == "exception")
        #expect(failure.string(":exception-type") == "modelStreamErrorException")
    }

    @Test func base64RoundTrips() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", #"{"anthropic_version":"bedrock-2023-05-31"}"#] {
            var encoded: [UInt8] = []
            Base64.append(Array(text.utf8), to: &encoded)
            #expect(Base64.decode(String(decoding: encoded, as: UTF8.self)) == Array(text.utf8))
        }
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zg") == Array("f".utf8))  // padding optional
    }
}
