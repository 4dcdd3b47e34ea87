import DecoyEngine
import DecoyProfile

/// Amazon Bedrock's runtime (`bedrock-runtime.{region}.amazonaws.com`) as boto3 and LiteLLM call it:
/// Converse and ConverseStream in Bedrock's own shape, InvokeModel and InvokeModelWithResponseStream
/// with Anthropic's Messages bodies (Claude model ids), CountTokens; streams in AWS's binary event
/// stream (`EventStreamFrame`), errors as `x-amzn-ErrorType` and `{"message"}`.
///
/// The model id is the path's `{model}`, percent-decoded: botocore and LiteLLM send
/// `anthropic.claude-3-5-sonnet-20240620-v1%3A0` (and an ARN's `/` as `%2F`), the Anthropic SDK a raw
/// `:`. The caller is any SigV4 signature (its access key id is the api key, for `per: [api_key]`) or
/// bearer token.
public struct BedrockDialect: Dialect {
    public var name: String { "bedrock" }

    public init() {}

    public func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest {
        let model = Self.modelID(head.captures["model"] ?? "")
        var sim = SimRequest(endpoint: head.endpoint, method: head.method, path: head.path, model: model, apiKey: head.apiKey)
        switch head.endpoint {
        case .bedrockInvoke, .bedrockInvokeStream:
            var parsed = try Self.readInvokeBody(body, sim: sim, model: model)
            parsed.sim.stream = head.endpoint == .bedrockInvokeStream
            return parsed
        case .bedrockCountTokens:
            sim.maxTokens = 0  // counting generates nothing
            let root = try Self.object(body)
            guard let input = root["input"], input.kind == .object else { throw Self.missing("input") }
            if let invoke = input["invokeModel"], invoke.kind == .object {
                guard let encoded = invoke["body"]?.string, let decoded = Base64.decode(encoded) else {
                    throw Self.invalid("Value at 'input.invokeModel.body' failed to satisfy constraint: Member must not be null")
                }
                var parsed = try Self.readInvokeBody(decoded, sim: sim, model: model)
                parsed.sim.maxTokens = 0
                return parsed
            }
            guard let converse = input["converse"], converse.kind == .object else {
                throw Self.invalid("Input must contain exactly one of invokeModel or converse.")
            }
            var parsed = ParsedRequest(sim: sim, model: model)
            try Self.readConverse(converse, into: &parsed, counting: true)
            return parsed
        default:
            var parsed = ParsedRequest(sim: sim, model: model)
            try Self.readConverse(try Self.object(body), into: &parsed, counting: false)
            parsed.sim.stream = head.endpoint == .bedrockConverseStream
            return parsed
        }
    }

    // MARK: Converse

    /// `messages`, `system`, `toolConfig` and `inferenceConfig.maxTokens`, as ConverseRequest has them.
    static func readConverse(_ root: JSONValue, into parsed: inout ParsedRequest, counting: Bool) throws(ProviderError) {
        var textBytes = 0
        var count = 0
        if let messages = root["messages"], !messages.isNull {
            guard messages.kind == .array else { throw Self.badValue("messages", "Member must be a list") }
            count = messages.count
            for (i, message) in messages.elements.enumerated() {
                guard message.kind == .object else { throw Self.badValue("messages.\(i + 1).member", "Member must be a structure") }
                guard let role = message["role"]?.string else { throw Self.badValue("messages.\(i + 1).member.role", "Member must not be null") }
                guard role == "user" || role == "assistant" else {
                    throw Self.badValue(
                        "messages.\(i + 1).member.role", "Member must satisfy enum value set: [user, assistant]", value: role)
                }
                guard let content = message["content"], content.kind == .array else {
                    throw Self.badValue("messages.\(i + 1).member.content", "Member must not be null")
                }
                if role == "user" { parsed.echoSource = .googleParts(content) }
            }
            textBytes += messages.textLength
        }
        guard count > 0 || counting else {
            throw Self.invalid(
                "A conversation must start with a user message. Try again with a conversation that starts with a user message.")
        }
        if let system = root["system"], !system.isNull {
            guard system.kind == .array else { throw Self.badValue("system", "Member must be a list") }
            textBytes += system.textLength
        }
        if let tools = root["toolConfig"], tools.kind == .object { textBytes += tools.textLength }
        parsed.sim.promptTokens = max(1, OpenAIDialect.estimateTokens(bytes: textBytes) + 3 * count)
        guard !counting else { return }
        if let config = root["inferenceConfig"], !config.isNull {
            guard config.kind == .object else { throw Self.badValue("inferenceConfig", "Member must be a structure") }
            if let cap = config["maxTokens"], !cap.isNull {
                guard let maxTokens = cap.int else { throw Self.badValue("inferenceConfig.maxTokens", "Member must be an integer") }
                guard maxTokens >= 1 else {
                    throw Self.badValue(
                        "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1", value: String(maxTokens))
                }
                parsed.sim.maxTokens = maxTokens
            }
        }
    }

    // MARK: InvokeModel

    /// An InvokeModel body for a Claude model: Anthropic's Messages body with `anthropic_version`, the
    /// model from the path. Anthropic's own complaint becomes Bedrock's ValidationException.
    static func readInvokeBody(_ body: [UInt8], sim: SimRequest, model: String) throws(ProviderError) -> ParsedRequest {
        do {
            return try AnthropicDialect.parseMessages(body, sim: sim, hosted: model, counting: false)
        } catch {
            throw Self.invalid("Malformed input request: \(error.message), please reformat your input and try again.")
        }
    }

    // MARK: Reading

    /// The body as a JSON object, or Bedrock's complaint.
    static func object(_ body: [UInt8]) throws(ProviderError) -> JSONValue {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(body)
        } catch {
            throw Self.invalid("Malformed input request, please reformat your input and try again.")
        }
        guard document.root.kind == .object else {
            throw Self.invalid("Malformed input request, please reformat your input and try again.")
        }
        return document.root
    }

    /// The path's model id, percent-decoded (`%3A` is `:`, `%2F` is `/`); a `%` not followed by two hex
    /// digits stays as it is. No copy work for an id without `%`.
    static func modelID(_ captured: Substring) -> String {
        guard captured.utf8.contains(UInt8(ascii: "%")) else { return String(captured) }
        let bytes = Array(captured.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = bytes[i + 1].hexDigitValue,
                let low = bytes[i + 2].hexDigitValue
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Request errors

    static func invalid(_ message: String) -> ProviderError {
        ProviderError(status: 400, message: message, type: "ValidationException")
    }

    static func missing(_ field: String) -> ProviderError {
        badValue(field, "Member must not be null")
    }

    /// AWS's validation wording: `1 validation error detected: Value 'x' at 'field' failed to satisfy
    /// constraint: …`.
    static func badValue(_ field: String, _ constraint: String, value: String = "null") -> ProviderError {
        invalid("1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }
}
