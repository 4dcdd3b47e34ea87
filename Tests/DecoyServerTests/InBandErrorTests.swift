import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyServer

/// `stream_error` breaks a 200 stream the way each provider does, and leaves well-formed framing.
@Suite struct InBandErrorTests {
    static func profile(tokens: Double) -> Profile {
        let behavior = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(tokens))
        let route = Route(
            name: "any", match: RouteMatch(endpoints: [.vertexStream, .openaiResponses]), behavior: behavior, auth: .open)
        return Profile(name: "in-band", seed: 1, defaults: behavior, routes: [route])
    }

    /// A chunked body's payload.
    static func dechunk(_ response: String) -> [UInt8] {
        var rest = Array(response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n").utf8)[...]
        var out: [UInt8] = []
        while let end = rest.firstIndex(of: UInt8(ascii: "\r")), let size = Int(String(decoding: rest[..<end], as: UTF8.self), radix: 16),
            size > 0
        {
            let start = end + 2
            out += rest[start..<start + size]
            rest = rest[(start + size + 2)...]
        }
        return out
    }

    @Test(arguments: [0.0, 1, 2, 5])
    func aVertexJSONArrayStreamStaysOneValidArray(tokens: Double) throws {
        let connection = try Connection(profile: Self.profile(tokens: tokens))
        let path = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro:streamGenerateContent"
        try connection.post(
            path, #"{"contents":[{"role":"user","parts":[{"text":"hello"}]}]}"#, headers: ["x-decoy-fault": "stream_error"])
        connection.advance(ms: 10)
        let response = try connection.drain()
        #expect(response.hasPrefix("HTTP/1.1 200"))
        let body = Self.dechunk(response)
        let elements = try #require(
            try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]], "\(String(decoding: body, as: UTF8.self))")
        let error = try #require(elements.last?["error"] as? [String: Any])
        #expect(error["code"] as? Int == 500)
    }

    @Test func theResponsesAPIFailsWithItsOwnEvents() throws {
        let connection = try Connection(profile: Self.profile(tokens: 6))
        try connection.post(
            "/v1/responses", #"{"model":"gpt-4o-mini","input":"hello","stream":true}"#, headers: ["x-decoy-fault": "stream_error"])
        connection.advance(ms: 10)
        let text = String(decoding: Self.dechunk(try connection.drain()), as: UTF8.self)
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let names = events.map { $0.components(separatedBy: "\n")[0] }
        #expect(names.suffix(2) == ["event: error", "event: response.failed"])
        #expect(names.filter { $0 == "event: response.output_text.delta" }.count == 3)
        #expect(!text.contains("response.completed"))
        #expect(!text.contains(#"data: {"error""#))
        let failed = try #require(events.last?.components(separatedBy: "\ndata: ").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(failed.utf8)) as? [String: Any])
        let response = try #require(object["response"] as? [String: Any])
        #expect(response["status"] as? String == "failed")
        #expect((response["error"] as? [String: Any])?["code"] as? String == "server_error")
        // Sequence numbers run on without a gap.
        let numbers = events.compactMap { event -> Int? in
            guard let data = event.components(separatedBy: "\ndata: ").last,
                let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return object["sequence_number"] as? Int
        }
        #expect(numbers == Array(0..<numbers.count))
    }
}
