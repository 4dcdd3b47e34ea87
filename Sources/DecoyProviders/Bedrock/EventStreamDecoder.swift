/// Reads event stream messages back, with the checks botocore's `EventStreamBuffer` makes: the prelude
/// CRC, the header and payload limits, the message CRC, each header well formed. For tests and the
/// fuzzer (`Fuzz/EventStreamFuzzer`); the server only writes messages.
struct EventStreamDecoder {
    struct Message: Equatable {
        var headers: [EventStreamFrame.Header]
        var payload: [UInt8]

        /// The value of a string header.
        func string(_ name: String) -> String? {
            for header in headers where header.name == name {
                if case .string(let value) = header.value { return value }
            }
            return nil
        }
    }

    enum Failure: Error, Equatable {
        /// Fewer bytes than the prelude or the message it announces (a stream cut short).
        case incomplete
        case preludeChecksum
        case messageChecksum
        /// A total length below 16, or headers longer than the message has room for.
        case badLengths
        case headersTooLong
        case payloadTooLong
        /// A header cut short, of an unknown type, or a string not UTF-8.
        case badHeader
        /// Two headers of one name (botocore's `DuplicateHeader`).
        case duplicateHeader
    }

    private(set) var buffer: [UInt8] = []
    private var offset = 0

    mutating func add(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, `nil` when the bytes buffered hold none yet.
    mutating func next() throws(Failure) -> Message? {
        let available = buffer.count - offset
        guard available >= EventStreamFrame.preludeLength else { return nil }
        let total = Int(readUInt32(at: offset))
        let headersLength = Int(readUInt32(at: offset + 4))
        let preludeCRC = readUInt32(at: offset + 8)
        guard CRC32.checksum(buffer, offset..<offset + 8) == preludeCRC else { throw .preludeChecksum }
        guard headersLength <= EventStreamFrame.maxHeadersLength else { throw .headersTooLong }
        guard total >= EventStreamFrame.overhead, headersLength <= total - EventStreamFrame.overhead else { throw .badLengths }
        guard total - EventStreamFrame.overhead - headersLength <= EventStreamFrame.maxPayloadLength else { throw .payloadTooLong }
        guard available >= total else { return nil }
        let end = offset + total
        let messageCRC = readUInt32(at: end - 4)
        guard CRC32.checksum(buffer, offset + 8..<end - 4, seed: preludeCRC) == messageCRC else { throw .messageChecksum }
        let headersStart = offset + EventStreamFrame.preludeLength
        let payloadStart = headersStart + headersLength
        let headers = try Self.headers(buffer[headersStart..<payloadStart])
        let message = Message(headers: headers, payload: Array(buffer[payloadStart..<end - 4]))
        offset = end
        if offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        return message
    }

    /// Every message in `bytes`, which must end on a message boundary.
    static func messages(_ bytes: [UInt8]) throws(Failure) -> [Message] {
        var decoder = EventStreamDecoder()
        decoder.add(bytes)
        var out: [Message] = []
        while let message = try decoder.next() { out.append(message) }
        guard decoder.offset == decoder.buffer.count else { throw .incomplete }
        return out
    }

    private func readUInt32(at index: Int) -> UInt32 {
        UInt32(buffer[index]) << 24 | UInt32(buffer[index + 1]) << 16 | UInt32(buffer[index + 2]) << 8 | UInt32(buffer[index + 3])
    }

    /// A header block, as botocore's `EventStreamHeaderParser` reads it.
    static func headers(_ block: ArraySlice<UInt8>) throws(Failure) -> [EventStreamFrame.Header] {
        var headers: [EventStreamFrame.Header] = []
        var i = block.startIndex
        func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
            guard count <= block.endIndex - i else { throw .badHeader }
            defer { i += count }
            return block[i..<i + count]
        }
        func integer(_ count: Int) throws(Failure) -> UInt64 {
            try take(count).reduce(0) { $0 << 8 | UInt64($1) }
        }
        while i < block.endIndex {
            let nameLength = Int(try integer(1))
            guard let name = String(validating: try take(nameLength), as: UTF8.self) else { throw .badHeader }
            let value: EventStreamFrame.Header.Value
            switch try integer(1) {
            case 0: value = .bool(true)
            case 1: value = .bool(false)
            case 2: value = .byte(Int8(truncatingIfNeeded: try integer(1)))
            case 3: value = .short(Int16(truncatingIfNeeded: try integer(2)))
            case 4: value = .integer(Int32(truncatingIfNeeded: try integer(4)))
            case 5: value = .long(Int64(bitPattern: try integer(8)))
            case 6: value = .bytes(Array(try take(Int(try integer(2)))))
            case 7:
                guard let text = String(validating: try take(Int(try integer(2))), as: UTF8.self) else { throw .badHeader }
                value = .string(text)
            case 8: value = .timestamp(Int64(bitPattern: try integer(8)))
            case 9: value = .uuid(Array(try take(16)))
            default: throw .badHeader
            }
            guard !headers.contains(where: { $0.name == name }) else { throw .duplicateHeader }
            headers.append(EventStreamFrame.Header(name, value))
        }
        return headers
    }
}
