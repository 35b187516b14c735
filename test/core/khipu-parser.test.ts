import { describe, expect, it } from "vitest";
import { parseKhipu, readToken, visibleLines } from "../../src/core/khipu-parser.js";

const only = (body: string) => {
  const { entries } = parseKhipu(body);
  expect(entries).toHaveLength(1);
  const [entry] = entries;
  return { kind: entry?.kind, tool: entry?.tool, suggested_tool: entry?.suggested_tool, text: entry?.text };
};

describe("parseKhipu: one line", () => {
  it.each([
    ["the missing-tool line of DESIGN §6", "**Missing Tool**: `ast_parse` - Needed for: parsing decorators", "missing-tool", "ast_parse", null, "parsing decorators"],
    ["the tool-problem line of DESIGN §6", "**Tool Problem**: `file_search` - Issue: times out on big repos", "tool-problem", "file_search", null, "times out on big repos"],
    ["the suggestion line of DESIGN §6", "**Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: nested code", "tool-suggestion", "regex_search", "treesitter", "nested code"],
    ["a dash bullet", "- **Missing Tool**: `ast_parse` - Needed for: x", "missing-tool", "ast_parse", null, "x"],
    ["a star bullet", "* **Tool Problem**: `grep` - Issue: x", "tool-problem", "grep", null, "x"],
    ["a numbered item", "2. **Missing Tool**: `glob` - Needed for: x", "missing-tool", "glob", null, "x"],
    ["indentation and extra spaces", "   -   **Missing Tool** :   `ast_parse`    -    Needed for:   lots   of  space  ", "missing-tool", "ast_parse", null, "lots of space"],
    ["a CRLF line end", "**Missing Tool**: `ast_parse` - Needed for: x\r\n", "missing-tool", "ast_parse", null, "x"],
    ["no trailing text", "**Missing Tool**: `ast_parse`", "missing-tool", "ast_parse", null, ""],
    ["no text after the label", "**Tool Problem**: `grep` - Issue:", "tool-problem", "grep", null, ""],
    ["the colon inside the bold", "**Missing Tool:** `ast_parse` - Needed for: x", "missing-tool", "ast_parse", null, "x"],
    ["lower case", "**missing tool**: `ast_parse` - needed for: x", "missing-tool", "ast_parse", null, "x"],
    ["a bare name", "**Missing Tool**: ast_parse - Needed for: x", "missing-tool", "ast_parse", null, "x"],
    ["a colon after the code span", "**Tool Problem**: `grep`: slow", "tool-problem", "grep", null, "slow"],
    ["an en dash", "**Tool Problem**: `grep` – Issue: slow", "tool-problem", "grep", null, "slow"],
    ["a namespaced name", "**Missing Tool**: `mcp__github__create_issue` - Needed for: x", "missing-tool", "mcp__github__create_issue", null, "x"],
    ["an arrow suggestion", "**Tool Suggestion**: `regex_search` → `treesitter` - Reason: x", "tool-suggestion", "regex_search", "treesitter", "x"],
    ["a suggestion without reason", "**Tool Suggestion**: Replace `regex_search` with `treesitter`", "tool-suggestion", "regex_search", "treesitter", ""],
    ["an HTML comment inside the line", "**Missing Tool**: `ast_parse` <!-- hidden --> - Needed for: x", "missing-tool", "ast_parse", null, "x"],
  ])("reads %s", (_name, line, kind, tool, suggested, text) => {
    expect(only(line)).toEqual({ kind, tool, suggested_tool: suggested, text });
  });

  it.each([
    ["an empty tool before the separator", "**Missing Tool**: - Needed for: x", "missing-tool", "", null, "x"],
    ["nothing at all", "**Missing Tool**:", "missing-tool", "", null, ""],
    ["the text label where the tool should be", "**Tool Problem**: Issue: it hangs", "tool-problem", "", null, "it hangs"],
    ["an empty code span", "**Missing Tool**: `` - Needed for: x", "missing-tool", "", null, "x"],
    ["a pipe in the name", "**Missing Tool**: `a|b` - Needed for: x", "missing-tool", "a|b", null, "x"],
    ["a backtick in a double-backtick span", "**Missing Tool**: ``a`b`` - Needed for: x", "missing-tool", "a`b", null, "x"],
    ["stray backticks", "**Missing Tool**: `a`b` - Needed for: x", "missing-tool", "a`b", null, "x"],
    ["a space in a code span", "**Tool Problem**: `file search` - Issue: x", "tool-problem", "file search", null, "x"],
    ["a suggestion without replacement", "**Tool Suggestion**: Replace `regex_search` - Reason: x", "tool-suggestion", "regex_search", "", "x"],
    ["a suggestion with an empty replacement", "**Tool Suggestion**: Replace `regex_search` with - Reason: x", "tool-suggestion", "regex_search", "", "x"],
    ["a suggestion without current tool", "**Tool Suggestion**: Replace with `treesitter`", "tool-suggestion", "", "treesitter", ""],
  ])("keeps %s, as written, for the caller to flag", (_name, line, kind, tool, suggested, text) => {
    expect(only(line)).toEqual({ kind, tool, suggested_tool: suggested, text });
  });
});

describe("parseKhipu: what is not feedback", () => {
  it.each([
    ["a backtick fence", "```\n**Missing Tool**: `ast_parse`\n```"],
    ["a tilde fence", "~~~md\n**Missing Tool**: `ast_parse`\n~~~"],
    ["a fence whose shorter closer does not close it", "````\n```\n**Missing Tool**: `ast_parse`\n```\n````"],
    ["an unclosed fence", "```\n**Missing Tool**: `ast_parse`"],
    ["an HTML comment", "<!-- **Missing Tool**: `ast_parse` -->"],
    ["a multi-line HTML comment", "<!--\n**Missing Tool**: `ast_parse`\n-->"],
    ["a quoted reply", "> **Missing Tool**: `ast_parse` - Needed for: x"],
    ["prose naming the format", "Please use the **Missing Tool** format."],
    ["a marker not at the start of the line", "See **Missing Tool**: `ast_parse` above"],
    ["an unknown marker", "**Missing Feature**: `ast_parse`"],
    ["plain text", "ast_parse is missing"],
  ])("ignores %s", (_name, body) => {
    expect(parseKhipu(body).entries).toEqual([]);
  });

  it("reads lines again after a fence or a comment closes", () => {
    const body = "```\n**Missing Tool**: `hidden`\n```\n<!-- x\n-->**Missing Tool**: `glob`\n**Missing Tool**: `grep`";
    expect(parseKhipu(body).entries.map((e) => e.tool)).toEqual(["glob", "grep"]);
  });

  it("treats inline triple backticks as code, not a fence", () => {
    const body = "```inline``` code\n**Missing Tool**: `grep`";
    expect(parseKhipu(body).entries.map((e) => e.tool)).toEqual(["grep"]);
  });
});

describe("parseKhipu: several entries and the apprentice type", () => {
  it("reads three entries of one body, with their lines and apprentice type", () => {
    const body = [
      "Session report.",
      "",
      "**Apprentice**: python_patterns",
      "**Missing Tool**: `ast_parse` - Needed for: parsing decorators",
      "**Tool Problem**: `file_search` - Issue: times out",
      "**Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: nested code",
    ].join("\n");
    expect(parseKhipu(body)).toEqual({
      truncated: false,
      entries: [
        { kind: "missing-tool", apprentice_type: "python_patterns", tool: "ast_parse", suggested_tool: null, text: "parsing decorators", line: 4 },
        { kind: "tool-problem", apprentice_type: "python_patterns", tool: "file_search", suggested_tool: null, text: "times out", line: 5 },
        { kind: "tool-suggestion", apprentice_type: "python_patterns", tool: "regex_search", suggested_tool: "treesitter", text: "nested code", line: 6 },
      ],
    });
  });

  it.each([
    ["a line before", "**Apprentice**: python_patterns\n**Missing Tool**: `a`", undefined, ["python_patterns"]],
    ["a line after (written last)", "**Missing Tool**: `a`\n**Apprentice**: python_patterns", undefined, ["python_patterns"]],
    ["a code span", "**Apprentice**: `test_guardian`\n**Missing Tool**: `a`", undefined, ["test_guardian"]],
    ["an `Apprentice Type` line", "- **Apprentice Type**: test_guardian\n**Missing Tool**: `a`", undefined, ["test_guardian"]],
    ["two sections", "**Apprentice**: one\n**Missing Tool**: `a`\n**Apprentice**: two\n**Missing Tool**: `b`", undefined, ["one", "two"]],
    ["only the label", "**Missing Tool**: `a`", "from_label", ["from_label"]],
    ["the body over the label", "**Apprentice**: from_body\n**Missing Tool**: `a`", "from_label", ["from_body"]],
    ["an empty line and the label", "**Apprentice**:\n**Missing Tool**: `a`", "from_label", ["from_label"]],
    ["nothing", "**Missing Tool**: `a`", undefined, [null]],
  ])("takes the apprentice type from %s", (_name, body, label, types) => {
    const options = label === undefined ? {} : { apprenticeType: label };
    expect(parseKhipu(body, options).entries.map((e) => e.apprentice_type)).toEqual(types);
  });

  it.each([
    [3, 2, true],
    [2, 2, false],
    [1, 2, false],
  ])("with %i entries and a cap of %i, truncated is %s", (count, cap, truncated) => {
    const body = Array.from({ length: count }, (_, i) => `**Missing Tool**: \`t${i}\``).join("\n");
    const result = parseKhipu(body, { maxEntries: cap });
    expect(result.entries).toHaveLength(Math.min(count, cap));
    expect(result.truncated).toBe(truncated);
  });
});

describe("visibleLines", () => {
  it("blanks code and comments but keeps line numbers", () => {
    expect(visibleLines("a\r\n```\ncode\n```\nb <!-- c -->d\n<!--\ne\n-->f")).toEqual(["a", "", "", "", "b  d", " ", "", "f"]);
  });
});

describe("readToken", () => {
  it.each([
    ["`ast_parse` - x", "ast_parse", 11],
    ["ast_parse - x", "ast_parse", 9],
    ["``a`b`` - x", "a`b", 7],
    ["`a b`", "a b", 5],
    ["`unclosed", "unclosed", 9],
    ["", "", 0],
  ])("reads %j as %j", (input, value, end) => {
    expect(readToken(input, 0)).toEqual({ value, end });
  });
});
