import Testing

@testable import DecoyProfile

@Suite struct RouteTests {
    @Test func matchByOneEndpointId() throws {
        #expect(try route("").match == RouteMatch(endpoints: [.openaiChat]))
    }

    @Test func matchByListOfEndpointIds() throws {
        let profile = try profile("routes:\n  - name: v\n    match: [vertex.generate, vertex.stream]\n")
        #expect(profile.routes[0].match.endpoints == [.vertexGenerate, .vertexStream])
    }

    @Test func matchByMappingOfConditions() throws {
        let profile = try profile(
            """
            routes:
              - name: gemini
                match:
                  endpoint: [gemini.generate]
                  path: /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
                  method: post
                  model: gemini-1.5-pro
                  headers: { X-Tenant: blue }
            """)
        let match = profile.routes[0].match
        #expect(match.endpoints == [.geminiGenerate])
        #expect(match.path?.text.hasSuffix("{model}:generateContent") == true)
        #expect(match.method == "POST")
        #expect(match.model == "gemini-1.5-pro")
        #expect(match.headers == [RouteMatch.HeaderCondition(name: "x-tenant", value: "blue")])
    }

    @Test func unknownEndpointListsValidIds() {
        let message = onlyError("routes:\n  - name: r\n    match: openai.chats\n")
        #expect(
            message.hasPrefix(
                "test.yaml:3:12: unknown endpoint 'openai.chats'; did you mean 'openai.chat'? (valid ids: openai.chat, "
            ))
        #expect(message.hasSuffix("bedrock.count_tokens)"))
    }

    @Test func badPathPatternIsReported() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: { path: v1/chat }\n")
                == "test.yaml:3:20: bad path pattern 'v1/chat': path pattern must start with '/'")
        #expect(
            onlyError("routes:\n  - name: r\n    match: { path: '/v1/{model' }\n")
                == "test.yaml:3:20: bad path pattern '/v1/{model': unclosed '{' in path pattern")
    }

    @Test func emptyMatchMappingIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: {}\n")
                == "test.yaml:3:12: 'match' needs at least one of endpoint, path, method, model, headers")
    }

    @Test func routeWithoutNameOrMatchSaysWhich() {
        #expect(
            errors("routes:\n  - latency: { first_byte: 1s }\n") == [
                "test.yaml:2:5: a route needs a 'name'",
                "test.yaml:2:5: route '' needs a 'match' (an endpoint id, a list of them, or a mapping of endpoint, path, method, model, headers)",
            ])
    }

    @Test func duplicateRouteNameIsRefused() {
        #expect(
            onlyError("routes:\n  - name: a\n    match: openai.chat\n  - name: a\n    match: azure.chat\n")
                == "test.yaml:4:11: duplicate route name 'a' (first at line 2)")
    }

    @Test func routeBehaviorOverridesDefaultsKeyByKey() throws {
        let profile = try profile(
            """
            defaults:
              latency: { first_byte: 80ms, per_token: 5ms }
              response: { completion_tokens: 30, content: echo }
            routes:
              - name: slow
                match: openai.chat
                latency: { per_token: 50ms }
                response: { content: lorem }
              - name: plain
                match: openai.completions
            """)
        #expect(
            profile.routes[0].behavior
                == Behavior(
                    firstByte: .fixed(0.08), perToken: .fixed(0.05), completionTokens: .fixed(30), content: .lorem))
        #expect(profile.routes[1].behavior == profile.defaults)
    }

    @Test func misplacedKeySaysWhereItBelongs() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    rpm: 10\n")
                == "test.yaml:4:5: unknown key 'rpm' in a route; it belongs under 'limit' (allowed: name, match, latency, response, limit, errors, auth)"
        )
    }

    @Test func limitReadsEveryKey() throws {
        let limit = try route(
            "    limit: { rpm: 10000, tpm: 2000000, burst: 2s, per: [api_key, 'header:X-Team'], concurrency: 200, queue: 50 }\n"
        ).limit
        #expect(
            limit
                == Limit(
                    rpm: 10000, tpm: 2_000_000, burst: .duration(2), per: [.apiKey, .header("x-team")],
                    concurrency: 200, queue: 50))
    }

    @Test func burstAsCountOrDuration() throws {
        #expect(try route("    limit: { rpm: 60, burst: 5 }\n").limit?.burst == .count(5))
        #expect(try route("    limit: { rpm: 60, burst: 500ms }\n").limit?.burst == .duration(0.5))
        #expect(try route("    limit: { rpm: 60 }\n").limit?.burst == .duration(1))
    }

    @Test func limitNeedsRpmTpmOrConcurrency() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    limit: { burst: 1s }\n")
                == "test.yaml:4:12: a limit needs at least one of rpm, tpm or concurrency")
    }

    @Test func queueNeedsConcurrency() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    limit: { rpm: 5, queue: 3 }\n")
                == "test.yaml:4:22: 'queue' holds requests waiting for a concurrency slot; it needs 'concurrency'")
    }

    @Test func concurrencyBelowOneIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    limit: { concurrency: 0 }\n")
                == "test.yaml:4:27: 'concurrency' must be at least 1, found 0")
    }

    @Test func unknownScopeSuggestsTheClosest() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    limit: { rpm: 5, per: [apikey] }\n")
                == "test.yaml:4:28: unknown scope 'apikey' in 'per'; did you mean 'api_key'? (allowed: api_key, model, project, header:NAME)"
        )
    }

    @Test func limitRetryAfterNamesWhetherThe429SendsTheHeader() throws {
        #expect(try route("    limit: { rpm: 60 }\n").limit?.retryAfter == .provider)
        #expect(try route("    limit: { rpm: 60, retry_after: header }\n").limit?.retryAfter == .header)
        #expect(try route("    limit: { rpm: 60, retry_after: none }\n").limit?.retryAfter == .noHeader)
        #expect(try route("    limit: { rpm: 60, retry_after: provider }\n").limit?.retryAfter == .provider)
    }

    @Test func unknownLimitRetryAfterSuggestsTheClosest() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    limit: { rpm: 5, retry_after: headers }\n")
                == "test.yaml:4:35: unknown 'retry_after' 'headers' in a limit; did you mean 'header'? "
                + "(allowed: provider, header, none; a wait goes in an error rule's retry_after)")
    }

    @Test func responseModelNamesTheModelAnAnswerReports() throws {
        #expect(try route("    response: { model: gpt-4o-2024-08-06 }\n").behavior.model == "gpt-4o-2024-08-06")
        #expect(try route("").behavior.model == nil)
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    response: { model: '' }\n")
                == "test.yaml:4:24: 'model' must not be empty")
    }

    @Test func errorRulesReadTriggersAndOutcomes() throws {
        let rules = try route(
            """
                errors:
                  - { rate: 1%, status: 503, retry_after: 2s }
                  - { first: 3, fault: reset }
                  - { every: 10, fault: stream_error }
                  - { rate: 3%, status: 529 }

            """
        ).errors
        #expect(
            rules == [
                ErrorRule(trigger: .rate(0.01), outcome: .status(503, retryAfter: 2)),
                ErrorRule(trigger: .first(3), outcome: .fault(.reset)),
                ErrorRule(trigger: .every(10), outcome: .fault(.streamError)),
                ErrorRule(trigger: .rate(0.03), outcome: .status(529, retryAfter: nil)),  // Anthropic's overloaded_error
            ])
    }

    @Test func statusOutsideErrorRangeIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1%, status: 200 } ]\n")
                == "test.yaml:4:35: 'status' must be an HTTP error status, 400 to 599, found 200")
    }

    @Test func unknownFaultSuggestsTheClosest() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1%, fault: stal } ]\n")
                == "test.yaml:4:34: unknown fault 'stal'; did you mean 'stall'? (faults: reset, stall, truncate, malformed, stream_error)"
        )
    }

    @Test func firstAndEveryMustBeAtLeastOne() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { first: 0, status: 500 } ]\n")
                == "test.yaml:4:24: 'first' must be at least 1, found 0")
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { every: -2, status: 500 } ]\n")
                == "test.yaml:4:24: 'every' must be at least 1, found -2")
    }

    @Test func ruleWithBothStatusAndFaultIsRefused() {
        #expect(
            onlyError(
                "routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1%, status: 500, fault: reset } ]\n"
            )
                == "test.yaml:4:40: an error rule takes one of 'status' or 'fault' as the outcome, found both 'status' and 'fault'"
        )
    }

    @Test func ruleWithNeitherStatusNorFaultIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1% } ]\n")
                == "test.yaml:4:15: an error rule needs the outcome: 'status' or 'fault'")
    }

    @Test func ruleWithBothRateAndFirstIsRefused() {
        #expect(
            onlyError(
                "routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1%, first: 2, status: 500 } ]\n")
                == "test.yaml:4:27: an error rule takes one of 'rate', 'first', 'every' as the trigger, found both 'rate' and 'first'"
        )
    }

    @Test func retryAfterOnlyWithStatus() {
        #expect(
            onlyError(
                "routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 1%, fault: reset, retry_after: 1s } ]\n"
            )
                == "test.yaml:4:41: 'retry_after' goes with 'status' (a header of the HTTP answer), not with a fault")
    }

    @Test func anchorsShareASettingAcrossRoutes() throws {
        let profile = try profile(
            """
            routes:
              - name: a
                match: openai.chat
                latency: &slow { first_byte: 2s }
              - name: b
                match: azure.chat
                latency: *slow
            """)
        #expect(profile.routes[1].behavior.firstByte == .fixed(2))
    }
}
