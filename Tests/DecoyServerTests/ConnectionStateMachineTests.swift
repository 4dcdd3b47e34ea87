import NIOCore
import Testing

@testable import DecoyServer

/// The connection's decisions, without a channel.
@Suite struct ConnectionStateMachineTests {
    static let router = Router()

    static func request(_ head: String) throws -> PendingRequest {
        var parser = HTTP1Parser(maxHeadBytes: 1 << 16)
        var buffer = ByteBuffer(string: head)
        guard case .head(let parsed) = try #require(try parser.next(&buffer)) else {
            throw Failure.noHead
        }
        return PendingRequest(head: parsed, router: router)
    }

    enum Failure: Error { case noHead }

    @Test func aKeptAliveRequestGoesBackToIdleAndReadsTheNext() throws {
        var machine = ConnectionStateMachine(maxBodyBytes: 100)
        guard case .readBody = machine.receivedHead(try Self.request("POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\r\n\r\n"))
        else { Issue.record("expected to read the body"); return }
        var part = ByteBuffer(string: "{}")
        machine.receivedBody(&part)
        let ended = machine.receivedEnd()
        let request = try #require(ended)
        #expect(request.body?.readableBytes == 2)
        #expect(!machine.isReading && machine.acceptsBytes && machine.answerKeepsAlive)
        guard case .readNext = machine.answered(keepAlive: true) else { Issue.record("expected to read on"); return }
        #expect(machine.isIdle && machine.isReading)
    }

    @Test func connectionCloseMakesTheAnswerTheLast() throws {
        var machine = ConnectionStateMachine(maxBodyBytes: 100)
        _ = machine.receivedHead(try Self.request("GET /v1/models HTTP/1.1\r\nconnection: close\r\n\r\n"))
        let ended = machine.receivedEnd()
        #expect(ended != nil)
        #expect(!machine.answerKeepsAlive && !machine.acceptsBytes)
        guard case .close = machine.answered(keepAlive: true) else { Issue.record("expected to close"); return }
    }

    @Test func aBodyOverTheLimitIsDroppedAndMarked() throws {
        var machine = ConnectionStateMachine(maxBodyBytes: 4)
        _ = machine.receivedHead(try Self.request("POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"))
        var part = ByteBuffer(string: "12345")
        machine.receivedBody(&part)
        let ended = machine.receivedEnd()
        let request = try #require(ended)
        #expect(request.tooLarge && request.body == nil)
    }

    @Test func expectContinueOverTheLimitIsAnsweredAtOnceAndLast() throws {
        var machine = ConnectionStateMachine(maxBodyBytes: 4)
        let head = "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n"
        guard case .answerNow(let request) = machine.receivedHead(try Self.request(head)) else {
            Issue.record("expected an answer now"); return
        }
        #expect(request.tooLarge && !machine.answerKeepsAlive)
        let small = "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n"
        var other = ConnectionStateMachine(maxBodyBytes: 4)
        guard case .sendContinue = other.receivedHead(try Self.request(small)) else { Issue.record("expected 100"); return }
    }

    @Test func quiescingClosesAnIdleConnectionAtOnceAndABusyOneAfterItsAnswer() throws {
        var idle = ConnectionStateMachine(maxBodyBytes: 100)
        let closesNow = idle.quiesce(bytesWaiting: false)
        #expect(closesNow)
        var busy = ConnectionStateMachine(maxBodyBytes: 100)
        _ = busy.receivedHead(try Self.request("GET /v1/models HTTP/1.1\r\n\r\n"))
        _ = busy.receivedEnd()
        let busyClosesNow = busy.quiesce(bytesWaiting: false)
        #expect(!busyClosesNow)
        #expect(!busy.answerKeepsAlive)
        guard case .close = busy.answered(keepAlive: true) else { Issue.record("expected to close"); return }
    }

    @Test func aBrokenAnswerReadsNothingMore() throws {
        var machine = ConnectionStateMachine(maxBodyBytes: 100)
        _ = machine.receivedHead(try Self.request("GET /v1/models HTTP/1.1\r\n\r\n"))
        _ = machine.receivedEnd()
        machine.answerBroke()
        #expect(!machine.acceptsBytes && !machine.isReading)
    }
}
