import ArgumentParser
import Foundation
import _CryptoExtras

/// `decoy credentials --token-uri URL`: a service-account JSON whose `token_uri` is Decoy's token
/// endpoint, with a freshly generated RSA key, so google-auth (and through it google-genai and LiteLLM's
/// `vertex_credentials`) signs its assertion with a real key and fetches a token with no network.
struct Credentials: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a service-account JSON for Vertex AI clients that gets its tokens from Decoy.",
        discussion: """
            The key is a new RSA 2048 key each time (PKCS#8 PEM). Decoy does not check the assertion's \
            signature; the key only has to be real for google-auth to sign with it. Point LiteLLM's \
            vertex_credentials, or google.oauth2.service_account.Credentials, at the file.
            """)

    @Option(
        name: .long,
        help: "Decoy's token endpoint, e.g. http://127.0.0.1:8090/token (a URL with no path gets /token).")
    var tokenUri: String

    @Option(name: .long, help: "Write the JSON to this file (mode 0600) instead of standard output.")
    var out: String?

    @Option(name: .long, help: "The project_id the file names.")
    var project = "decoy-project"

    func validate() throws {
        guard let url = URL(string: tokenUri), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            throw ValidationError("--token-uri must be an http:// or https:// URL, e.g. http://127.0.0.1:8090/token")
        }
        guard !project.isEmpty, project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ValidationError("--project must be letters, digits and '-'")
        }
    }

    func run() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let email = "decoy@\(project).iam.gserviceaccount.com"
        let account: [String: String] = [
            "type": "service_account",
            "project_id": project,
            "private_key_id": Self.randomDigits(40, alphabet: "0123456789abcdef"),
            "private_key": key.pkcs8PEMRepresentation + "\n",
            "client_email": email,
            "client_id": "1" + Self.randomDigits(20, alphabet: "0123456789"),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": Self.tokenEndpoint(tokenUri),
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                + (email.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? email),
            "universe_domain": "googleapis.com",
        ]
        var data = try JSONSerialization.data(
            withJSONObject: account, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        guard let out else {
            Console.write(String(decoding: data, as: UTF8.self), to: 1)
            return
        }
        // A private key: readable by its owner only, as gcloud writes key files.
        guard FileManager.default.createFile(atPath: out, contents: data, attributes: [.posixPermissions: 0o600]) else {
            ProfileFile.printError("decoy: cannot write \(out)")
            throw ExitCode(73)
        }
        Console.line("decoy: wrote service account \(email) for \(Self.tokenEndpoint(tokenUri)) to \(out)")
    }

    /// The URL as given, or with `/token` when it names no path.
    static func tokenEndpoint(_ uri: String) -> String {
        guard let url = URL(string: uri), url.path.isEmpty || url.path == "/" else { return uri }
        return (uri.hasSuffix("/") ? String(uri.dropLast()) : uri) + "/token"
    }

    private static func randomDigits(_ count: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters.randomElement()! })
    }
}
