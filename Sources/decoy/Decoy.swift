import ArgumentParser

/// The `decoy` command line.
@main
struct Decoy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoy",
        abstract: "A fake LLM provider farm: answers like OpenAI, Azure OpenAI and Vertex AI, and misbehaves on purpose.",
        subcommands: [Serve.self, Check.self, Routes.self, Credentials.self],
        defaultSubcommand: Serve.self
    )
}
