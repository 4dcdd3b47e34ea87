import Testing

@testable import DecoyProfile

@Suite struct YAMLReaderTests {
    private func read(_ text: String) throws(ProfileError) -> YAMLNode? {
        try YAMLReader.parse(Array(text.utf8), file: "t.yaml")
    }

    private func readError(_ text: String) -> String {
        do {
            _ = try read(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func nodesCarryOneBasedLineAndColumn() throws {
        let root = try #require(try read("a: 1\nlist:\n  - x\n  - { k: 'v' }\n"))
        guard case .mapping(let entries) = root.value else { Issue.record("not a mapping"); return }
        #expect((root.line, root.column) == (1, 1))
        #expect((entries[0].value.line, entries[0].value.column) == (1, 4))
        #expect((entries[1].key.line, entries[1].key.column) == (2, 1))
        guard case .sequence(let items) = entries[1].value.value else { Issue.record("not a list"); return }
        #expect((items[0].line, items[0].column) == (3, 5))
        #expect((items[1].line, items[1].column) == (4, 5))
        guard case .mapping(let inner) = items[1].value else { Issue.record("not a mapping"); return }
        #expect(inner[0].value == YAMLNode(.scalar("v", quoted: true), line: 4, column: 10))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(try read("é: ü\n"))
        guard case .mapping(let entries) = root.value else { Issue.record("not a mapping"); return }
        #expect(entries[0].value.column == 4)
    }

    @Test func scalarsRememberWhetherTheyWereQuoted() throws {
        let root = try #require(try read("[plain, 'single', \"double\"]"))
        #expect(
            root.value
                == .sequence([
                    YAMLNode(.scalar("plain", quoted: false), line: 1, column: 2),
                    YAMLNode(.scalar("single", quoted: true), line: 1, column: 9),
                    YAMLNode(.scalar("double", quoted: true), line: 1, column: 19),
                ]))
    }

    @Test func multibyteScalarsAreReadByLength() throws {
        let root = try #require(try read("text: \"naïve\\0tail\"\n"))
        guard case .mapping(let entries) = root.value else { Issue.record("not a mapping"); return }
        #expect(entries[0].value.scalar == "naïve\u{0}tail")
    }

    @Test func aliasesResolveToTheAnchoredNode() throws {
        let root = try #require(try read("a: &fast { fixed: 1ms }\nb: *fast\n"))
        guard case .mapping(let entries) = root.value else { Issue.record("not a mapping"); return }
        #expect(entries[1].value == entries[0].value)
    }

    @Test func unknownAliasIsAnError() {
        #expect(readError("a: *nowhere\n") == "t.yaml:1:4: alias '*nowhere' names no anchor defined before it")
    }

    @Test func mergeKeysApplyUnderOwnKeys() throws {
        let root = try #require(try read("base: &b { x: 1, y: 2 }\nchild:\n  <<: *b\n  y: 3\n"))
        guard case .mapping(let entries) = root.value, case .mapping(let child) = entries[1].value.value else {
            Issue.record("not a mapping")
            return
        }
        #expect(child.map { $0.key.scalar ?? "" } == ["y", "x"])
        #expect(child.map { $0.value.scalar ?? "" } == ["3", "1"])
    }

    @Test func mergeOfAScalarIsAnError() {
        #expect(readError("a:\n  <<: 5\n") == "t.yaml:2:7: '<<' merges a mapping or a list of mappings, not '5'")
    }

    @Test func aliasExpansionIsBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...6 {
            let ref = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: ref, count: 10).joined(separator: ", "))]\n"
        }
        #expect(readError(text).contains("aliases expand this document past 100000 nodes"))
    }

    @Test func secondDocumentIsRefused() {
        #expect(
            readError("a: 1\n---\nb: 2\n") == "t.yaml:2:1: a profile is one YAML document; found a second one ('---')")
    }

    @Test func syntaxErrorCarriesLibyamlMarkAndMessage() {
        #expect(
            readError("routes:\n  - name: a\n   match: b\n")
                == "t.yaml:3:4: invalid YAML: did not find expected '-' indicator (while parsing a block collection at 2:3)"
        )
    }

    @Test func tabIndentationIsASyntaxError() {
        #expect(
            readError("a:\n\tb: 1\n").hasPrefix("t.yaml:2:1: invalid YAML: found character that cannot start any token")
        )
    }

    @Test func invalidUTF8IsReportedWhereItIs() {
        var bytes = Array("a: 1\nb: x".utf8)
        bytes.append(0xFF)
        do {
            _ = try YAMLReader.parse(bytes, file: "t.yaml")
            Issue.record("no error")
        } catch {
            #expect(error.location == SourceLocation(file: "t.yaml", line: 2, column: 5))
            #expect(error.message.hasPrefix("invalid text: "))
        }
    }

    @Test func emptyDocumentHasNoRoot() throws {
        #expect(try read("") == nil)
        #expect(try read("---\n# only a comment\n") == nil)
    }
}
