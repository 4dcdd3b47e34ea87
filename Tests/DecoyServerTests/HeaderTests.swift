import DecoyProfile
import Foundation
import Testing

@testable import DecoyServer

/// Fields every real answer carries: `date` on all of them, OpenAI's true processing time.
@Suite struct HeaderTests {
    /// The value of `name` in the first head of `response`.
    static func field(_ name: String, in response: String) -> String? {
        let head = response.components(separatedBy: "\r\n\r\n")[0]
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    @Test(arguments: ["/v1/chat/completions", "/v1/nope", "/_decoy/stats"])
    func everyAnswerCarriesAnIMFFixdate(path: String) throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post(path, TestProfiles.chatBody)
        let response = try connection.drain()
        let date = try #require(Self.field("date", in: response), "\(response)")
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let parsed = try #require(format.date(from: date), "date: \(date)")
        #expect(abs(parsed.timeIntervalSinceNow) < 5)
    }

    @Test func theFormatIsExact() {
        // 2026-12-02 14:03:24 UTC, a Wednesday; and a single-digit day.
        #expect(String(decoding: HTTPDate.format(1_796_220_204), as: UTF8.self) == "Wed, 02 Dec 2026 14:03:24 GMT")
        #expect(String(decoding: HTTPDate.format(0), as: UTF8.self) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func openAIProcessingTimeIsTheTimeTheAnswerTook() throws {
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.25))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        let started = Date()
        while Date().timeIntervalSince(started) < 0.3 { usleep(10_000) }  // the field is wall time
        connection.advance(ms: 250)
        let response = try connection.drain()
        let milliseconds = try #require(Self.field("openai-processing-ms", in: response).flatMap { Int($0) })
        #expect((250...2_000).contains(milliseconds), "\(milliseconds) ms")
    }
}
