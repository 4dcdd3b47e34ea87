import DecoyEngine
import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// The admin API: the ledger adds up, resets zero it, reloads keep state or refuse bad profiles, and
/// only loopback or the token gets in.
@Suite struct AdminTests {
    static let limited = TestProfiles.fixed(limit: Limit(rpm: 60, burst: .count(3)))

    @Test func theAdminAPIOwnsItsPathsAndNoOthers() {
        for path in ["/metrics", "/_decoy", "/_decoy/", "/_decoy/stats", "/_decoy/reset"] {
            #expect(AdminAPI.owns(path[...]), "\(path)")
        }
        for path in ["/", "/metricsx", "/metrics/", "/_decoyx", "/_deco", "/v1/chat/completions", "/x/_decoy/stats"] {
            #expect(!AdminAPI.owns(path[...]), "\(path)")
        }
    }

    @Test func ledgerCountsEveryOutcome() throws {
        let connection = try Connection(profile: Self.limited)
        for _ in 0..<5 {
            try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        }
        try connection.post("/v1/chat/completions", "{not json")
        _ = try connection.drain()
        try connection.get("/_decoy/stats")
        let stats = try Connection.jsonBody(try connection.drain())
        let route = try #require((stats["routes"] as? [[String: Any]])?.first)
        #expect(route["route"] as? String == "chat")
        #expect(route["received"] as? Int == 5)
        #expect(route["admitted"] as? Int == 3)
        #expect(route["refused"] as? Int == 2)
        let unrouted = try #require(stats["unrouted"] as? [String: Any])
        #expect(unrouted["invalid"] as? Int == 1)
    }

    @Test func metricsAgreeWithStats() throws {
        let connection = try Connection(profile: Self.limited)
        for _ in 0..<4 { try connection.post("/v1/chat/completions", TestProfiles.chatBody) }
        _ = try connection.drain()
        try connection.get("/metrics")
        let metrics = try connection.drain()
        #expect(metrics.contains(#"decoy_requests_total{route="chat",endpoint="openai.chat",status="200"} 3"#))
        #expect(metrics.contains(#"decoy_requests_total{route="chat",endpoint="openai.chat",status="429"} 1"#))
        #expect(metrics.contains(#"decoy_served_latency_seconds_count{route="chat"} 3"#))
    }

    @Test func resetRefillsBucketsAndZeroesTheLedger() throws {
        let connection = try Connection(profile: Self.limited)
        for _ in 0..<4 { try connection.post("/v1/chat/completions", TestProfiles.chatBody) }
        _ = try connection.drain()
        try connection.send("POST", "/_decoy/reset", "")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
        try connection.get("/_decoy/stats")
        let stats = try Connection.jsonBody(try connection.drain())
        let route = try #require((stats["routes"] as? [[String: Any]])?.first)
        #expect(route["received"] as? Int == 1)
    }

    @Test func badProfileIsRefusedWithPlaceAndTheOldOneServes() throws {
        let connection = try Connection(profile: Self.limited)
        try connection.send("PUT", "/_decoy/profile", "routes:\n  - name: x\n    match: openai.chatt\n")
        let refused = try connection.drain()
        #expect(refused.hasPrefix("HTTP/1.1 400"))
        #expect(refused.contains("PUT /_decoy/profile:3:12: unknown endpoint"))
        #expect(connection.shared.generation.engine.profile.name == "test")
    }

    @Test func reloadKeepsTheBucketsOfUnchangedRoutes() throws {
        let connection = try Connection(profile: Self.limited)
        for _ in 0..<3 { try connection.post("/v1/chat/completions", TestProfiles.chatBody) }
        _ = try connection.drain()
        let yaml = """
            name: reloaded
            defaults: { latency: { first_byte: 0ms } }
            routes:
              - name: chat
                match: [openai.chat, azure.chat]
                limit: { rpm: 60, burst: 3 }
            """
        try connection.send("PUT", "/_decoy/profile", yaml)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
        #expect(connection.shared.generation.engine.profile.name == "reloaded")
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 429"))  // the bucket emptied before the reload stays empty
    }

    @Test func reloadServesTheTextItLoaded() throws {
        let path = NSTemporaryDirectory() + "decoy-reload-\(UUID().uuidString).yaml"
        let text = "# kept as written\nname: from-file   \nroutes:\n  - name: chat\n    match: openai.chat  # ✓ é\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try Connection(profile: Self.limited, admin: AdminSettings(profilePath: path))
        try connection.send("POST", "/_decoy/reload", "")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
        #expect(connection.shared.generation.engine.profile.name == "from-file")
        try connection.get("/_decoy/profile")
        #expect(try connection.drain().hasSuffix("\r\n\r\n" + text))
    }

    @Test func adminRefusesOtherAddressesWithoutAToken() throws {
        // 192.0.2.1 is a documentation address; the embedded channel never sends a packet.
        let connection = try Connection(profile: Self.limited, remote: "192.0.2.1")
        try connection.get("/_decoy/stats")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 403"))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))  // providers still answer everyone
    }

    @Test func adminTokenIsRequiredEvenFromLoopbackWhenSet() throws {
        let connection = try Connection(profile: Self.limited, admin: AdminSettings(token: "s3cret-token"))
        try connection.get("/_decoy/stats")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 401"))
        try connection.get("/_decoy/stats", headers: ["Authorization": "Bearer wrong-token!"])
        #expect(try connection.drain().hasPrefix("HTTP/1.1 401"))
        try connection.get("/_decoy/stats", headers: ["Authorization": "Bearer s3cret-token"])
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
    }
}
