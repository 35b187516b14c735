import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FeedbackEntrySchema } from "../../src/core/feedback-entry.js";
import type { FeedbackProblem } from "../../src/core/feedback-entry.js";
import { cutToBytes, MAX_BODY_BYTES, MAX_ENTRIES_PER_BODY, parseFeedback } from "../../src/core/feedback-parse.js";
import type { FeedbackMeta } from "../../src/core/feedback-parse.js";
import { compileIssueForms } from "../../src/core/issue-form-parser.js";
import { feedbackParseCommand } from "../../src/cli/feedback-command.js";
import { readIssueTemplatesFromDisk } from "../../src/io/issue-templates.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const templates = await readIssueTemplatesFromDisk(repoRoot);
const forms = compileIssueForms(templates);

const issueMeta = (overrides: Partial<FeedbackMeta> = {}): FeedbackMeta => ({
  issueNumber: 42,
  url: "https://github.com/acme/agents/issues/42",
  author: "nightly-bot",
  createdAt: "2026-11-01T12:00:00Z",
  updatedAt: "2026-11-02T08:30:00Z",
  state: "open",
  stateReason: null,
  forms,
  ...overrides,
});

const formBody = (fields: [string, string | null][]) => fields.map(([label, value]) => `### ${label}\n\n${value ?? "_No response_"}`).join("\n\n");
const khipu = (tool: string) => `**Missing Tool**: \`${tool}\` - Needed for: x`;
const timed = <T>(run: () => T): { result: T; ms: number } => {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
};

const THREE_ENTRIES = [
  "**Apprentice**: python_patterns",
  "",
  "- **Missing Tool**: `ast_parse` - Needed for: parsing decorators",
  "- **Tool Problem**: `file_search` - Issue: times out",
  "- **Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: nested code",
].join("\n");

describe("parseFeedback: entries", () => {
  it("reads three khipu entries of an issue body, with where they came from", () => {
    const { entries, problems, truncated } = parseFeedback(THREE_ENTRIES, issueMeta());
    expect(problems).toEqual([]);
    expect(truncated).toBe(false);
    expect(entries.map((e) => [e.kind, e.tool, e.suggested_tool, e.text])).toEqual([
      ["missing-tool", "ast_parse", null, "parsing decorators"],
      ["tool-problem", "file_search", null, "times out"],
      ["tool-suggestion", "regex_search", "treesitter", "nested code"],
    ]);
    expect(entries[0]).toEqual({
      kind: "missing-tool",
      apprentice_type: "python_patterns",
      tool: "ast_parse",
      suggested_tool: null,
      text: "parsing decorators",
      severity: null,
      source: { issue_number: 42, comment_id: null, url: "https://github.com/acme/agents/issues/42" },
      author: "nightly-bot",
      created_at: "2026-11-01T12:00:00Z",
      updated_at: "2026-11-02T08:30:00Z",
      state: "open",
      state_reason: null,
      format: "khipu",
    });
  });

  it("reads khipu lines carried by a comment, typed by the issue's label", () => {
    const comment = "Two more from today's run:\r\n\r\n**Missing Tool**: `glob` - Needed for: finding tests\r\n**Tool Problem**: `bash` - Issue: no timeout\r\n";
    const { entries, problems } = parseFeedback(
      comment,
      issueMeta({ commentId: 9001, url: "https://github.com/acme/agents/issues/42#issuecomment-9001", author: "reviewer", apprenticeType: "test_guardian" }),
    );
    expect(problems).toEqual([]);
    expect(entries.map((e) => ({ tool: e.tool, type: e.apprentice_type, source: e.source, author: e.author }))).toEqual(
      ["glob", "bash"].map((tool) => ({
        tool,
        type: "test_guardian",
        source: { issue_number: 42, comment_id: 9001, url: "https://github.com/acme/agents/issues/42#issuecomment-9001" },
        author: "reviewer",
      })),
    );
  });

  it.each([
    ["missing tool", formBody([["Apprentice type", "python_patterns"], ["Missing tool", "ast_parse"], ["Needed for", "Parsing."]]), { kind: "missing-tool", tool: "ast_parse", suggested_tool: null, severity: null, text: "Parsing." }],
    ["tool problem", formBody([["Apprentice type", "python_patterns"], ["Tool", "grep"], ["Issue", "Slow."], ["Severity", "degraded"]]), { kind: "tool-problem", tool: "grep", suggested_tool: null, severity: "degraded", text: "Slow." }],
    ["tool suggestion", formBody([["Apprentice type", "python_patterns"], ["Current tool", "regex_search"], ["Suggested tool", "treesitter"], ["Reason", "Trees."]]), { kind: "tool-suggestion", tool: "regex_search", suggested_tool: "treesitter", severity: null, text: "Trees." }],
  ])("reads a %s issue form", (_name, body, expected) => {
    const { entries, problems } = parseFeedback(body, issueMeta());
    expect(problems).toEqual([]);
    expect(entries).toEqual([expect.objectContaining({ ...expected, apprentice_type: "python_patterns", format: "form" })]);
  });

  it("reads a form and khipu lines in one body; the khipu lines take the form's apprentice type", () => {
    const body = `${formBody([["Apprentice type", "python_patterns"], ["Missing tool", "ast_parse"], ["Needed for", "Parsing."]])}\n\n**Missing Tool**: \`glob\``;
    const { entries } = parseFeedback(body, issueMeta());
    expect(entries.map((e) => [e.format, e.tool, e.apprentice_type])).toEqual([
      ["form", "ast_parse", "python_patterns"],
      ["khipu", "glob", "python_patterns"],
    ]);
  });

  it("reads forms compiled once just as forms read from the templates", () => {
    const body = formBody([["Apprentice type", "python_patterns"], ["Missing tool", "ast_parse"], ["Needed for", "Parsing."]]);
    const fromTemplates = parseFeedback(body, issueMeta({ forms: undefined, templates }));
    expect(fromTemplates.entries).toHaveLength(1);
    expect(parseFeedback(body, issueMeta())).toEqual(fromTemplates);
  });

  it("reads only khipu lines when no templates are given", () => {
    const body = formBody([["Apprentice type", "python_patterns"], ["Missing tool", "ast_parse"], ["Needed for", "Parsing."]]);
    expect(parseFeedback(body, issueMeta({ forms: undefined })).entries).toEqual([]);
  });

  it.each([
    ["an ordinary issue", "The build fails on main.\n\n### Steps\n\nRun `npm test`."],
    ["an empty body", ""],
    ["feedback only in code", "```md\n**Missing Tool**: `ast_parse`\n```"],
    ["feedback only in a comment marker", "<!-- apprentice-tools:state {\"x\":1} **Missing Tool**: `ast_parse` -->"],
  ])("finds nothing in %s", (_name, body) => {
    expect(parseFeedback(body, issueMeta())).toEqual({ entries: [], problems: [], truncated: false });
  });

  it("makes entries that satisfy the FeedbackEntry schema", () => {
    const { entries } = parseFeedback(THREE_ENTRIES, issueMeta({ state: "closed", stateReason: "not_planned" }));
    for (const entry of entries) expect(FeedbackEntrySchema.parse(entry)).toEqual(entry);
  });
});

describe("parseFeedback: problems", () => {
  const typed = (line: string) => `**Apprentice**: python_patterns\n${line}`;

  it.each<[string, string, Omit<FeedbackProblem, "message">[]]>([
    ["an empty tool", typed("**Missing Tool**: - Needed for: x"), [{ kind: "empty-tool", entry: 0, field: "tool", line: 2 }]],
    ["a pipe in a tool name", typed(khipu("a|b")), [{ kind: "invalid-tool-name", entry: 0, field: "tool", line: 2 }]],
    ["a backtick in a tool name", typed("**Missing Tool**: ``a`b`` - Needed for: x"), [{ kind: "invalid-tool-name", entry: 0, field: "tool", line: 2 }]],
    ["a space in a tool name", typed("**Tool Problem**: `file search` - Issue: x"), [{ kind: "invalid-tool-name", entry: 0, field: "tool", line: 2 }]],
    ["a mention as a tool name", typed(khipu("@acme/admins")), [{ kind: "invalid-tool-name", entry: 0, field: "tool", line: 2 }]],
    ["a 129-character tool name", typed(khipu("a".repeat(129))), [{ kind: "invalid-tool-name", entry: 0, field: "tool", line: 2 }]],
    ["a 128-character tool name", typed(khipu("a".repeat(128))), []],
    ["no replacement in a suggestion", typed("**Tool Suggestion**: Replace `grep`"), [{ kind: "empty-tool", entry: 0, field: "suggested_tool", line: 2 }]],
    ["an invalid replacement", typed("**Tool Suggestion**: Replace `grep` with `a|b`"), [{ kind: "invalid-tool-name", entry: 0, field: "suggested_tool", line: 2 }]],
    ["no apprentice type", khipu("grep"), [{ kind: "missing-apprentice-type", entry: 0, field: "apprentice_type", line: 1 }]],
    ["two problems in one entry", "**Missing Tool**:", [
      { kind: "empty-tool", entry: 0, field: "tool", line: 1 },
      { kind: "missing-apprentice-type", entry: 0, field: "apprentice_type", line: 1 },
    ]],
    ["an empty form tool", formBody([["Apprentice type", "a"], ["Missing tool", null], ["Needed for", "x"]]), [{ kind: "empty-tool", entry: 0, field: "tool", line: null }]],
  ])("flags %s and keeps the entry", (_name, body, expected) => {
    const { entries, problems } = parseFeedback(body, issueMeta());
    expect(entries).toHaveLength(1);
    expect(problems.map(({ message: _message, ...rest }) => rest)).toEqual(expected);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(20);
  });

  it("says what is wrong with a tool name, quoting a short excerpt only", () => {
    const [problem] = parseFeedback(`**Apprentice**: a\n${khipu(`x|${"y".repeat(5000)}`)}`, issueMeta()).problems;
    expect(problem?.message).toMatch(/is not a valid tool name: it is 5002 characters long/);
    expect(problem?.message.length).toBeLessThan(400);
    const [pipe] = parseFeedback(`**Apprentice**: a\n${khipu("a|b")}`, issueMeta()).problems;
    expect(pipe?.message).toMatch(/it contains "\|"/);
  });

  it("reports a broken template once and still reads khipu lines", () => {
    const result = parseFeedback(THREE_ENTRIES, issueMeta({ forms: undefined, templates: { ...templates, "tool-problem": "body: [" } }));
    expect(result.problems).toEqual([expect.objectContaining({ kind: "invalid-template", entry: null, field: null, line: null })]);
    expect(result.entries).toHaveLength(3);
  });

  it("leaves an ordinary issue alone even when a template is broken", () => {
    const result = parseFeedback("### Steps\n\nRun it.", issueMeta({ forms: compileIssueForms({ "tool-problem": "body: [" }) }));
    expect(result).toEqual({ entries: [], problems: [], truncated: false });
  });
});

describe("parseFeedback: hostile bodies", () => {
  it("cuts 1 MB of text, quickly, keeping the entries before the cut", () => {
    const body = `${THREE_ENTRIES}\n${"lorem ipsum dolor sit amet ".repeat(40_000)}\n**Missing Tool**: \`after_the_cut\``;
    expect(body.length).toBeGreaterThan(1_000_000);
    const { result, ms } = timed(() => parseFeedback(body, issueMeta()));
    expect(ms).toBeLessThan(2000);
    expect(result.truncated).toBe(true);
    expect(result.entries.map((e) => e.tool)).toEqual(["ast_parse", "file_search", "regex_search"]);
  });

  it("caps 10,000 entries at 100, quickly, and says so", () => {
    const body = `**Apprentice**: python_patterns\n${Array.from({ length: 10_000 }, (_, i) => khipu(`tool_${i}`)).join("\n")}`;
    const { result, ms } = timed(() => parseFeedback(body, issueMeta()));
    expect(ms).toBeLessThan(2000);
    expect(result.entries).toHaveLength(MAX_ENTRIES_PER_BODY);
    expect(result.entries.at(-1)?.tool).toBe("tool_99");
    expect(result.truncated).toBe(true);
  });

  it("counts the form entry within the cap", () => {
    const form = formBody([["Apprentice type", "a"], ["Missing tool", "ast_parse"], ["Needed for", "x"]]);
    const body = `${form}\n\n${Array.from({ length: 150 }, (_, i) => khipu(`t${i}`)).join("\n")}`;
    const { entries, truncated } = parseFeedback(body, issueMeta());
    expect(entries).toHaveLength(MAX_ENTRIES_PER_BODY);
    expect(entries[0]?.format).toBe("form");
    expect(truncated).toBe(true);
  });

  // Just under the cut, so that the parsers (not the cut) face the whole hostile text.
  const N = 200_000;
  const formHead = formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"]]);
  it.each([
    ["a heading line of spaces", `${formHead}\n### x${" ".repeat(N)}y`],
    ["a heading line of tabs without newline", `${formHead}\n###${"\t".repeat(N)}`],
    ["many blank lines", `${formHead}\na${"\n".repeat(N)}b`],
    ["lines of spaces", `${formHead}\na${" \n".repeat(N / 2)}b`],
    ["heading markers", `${formHead}\n${"### ".repeat(N / 4)}`],
    ["a khipu marker then spaces", `**Missing Tool**${" ".repeat(N)}:`],
    ["many backticks", `**Missing Tool**: ${"`".repeat(N)}`],
    ["unbalanced backtick runs", `**Missing Tool**: ${"` ``".repeat(N / 4)}`],
    ["comment openers", "<!--".repeat(N / 4)],
    ["fence lines", "```\n".repeat(N / 4)],
    ["carriage returns", "\r".repeat(N)],
    ["stars", "*".repeat(N)],
  ])("stays linear on %s", (_name, body) => {
    const { result, ms } = timed(() => parseFeedback(body, issueMeta()));
    expect(ms).toBeLessThan(2000);
    expect(result.truncated).toBe(false);
  });

  it("never throws, and every entry fits the model, on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (body) => {
        const result = parseFeedback(body, issueMeta());
        for (const entry of result.entries) FeedbackEntrySchema.parse(entry);
      }),
      { numRuns: 300 },
    );
  });

  const fragment = fc.constantFrom(
    "**Missing Tool**:", "**Tool Problem**:", "**Tool Suggestion**:", "**Apprentice**:", "Replace", "with", "`", "``", " - ", "Needed for:",
    "Issue:", "Reason:", "ast_parse", "a|b", "@team", "<!--", "-->", "```", "~~~", "### Apprentice type", "### Tool", "### Missing tool",
    "### Current tool", "### Severity", "_No response_", "blocking", "\n", "\r\n", "\n\n", " ", "\t", "- ", "> ", "#",
  );
  it("never throws, and keeps its invariants, on text made of format fragments", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
        const result = parseFeedback(parts.join(""), issueMeta({ apprenticeType: null }));
        expect(result.entries.length).toBeLessThanOrEqual(MAX_ENTRIES_PER_BODY);
        for (const entry of result.entries) FeedbackEntrySchema.parse(entry);
        for (const problem of result.problems) {
          if (problem.entry !== null) expect(result.entries[problem.entry]).toBeDefined();
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("cutToBytes", () => {
  it.each([
    ["short text", "abc", 10, "abc", false],
    ["exactly the limit", "abcd", 4, "abcd", false],
    ["one byte over", "abcde", 4, "abcd", true],
    ["at the last line break", "ab\ncd\nef", 7, "ab\ncd", true],
    ["not inside a two-byte character", "éééé", 5, "éé", true],
    ["not inside an emoji", "a😀b", 4, "a", true],
  ])("cuts %s", (_name, text, max, expected, cut) => {
    expect(cutToBytes(text, max)).toEqual({ text: expected, cut });
  });

  it("keeps a body of exactly MAX_BODY_BYTES", () => {
    expect(cutToBytes("a".repeat(MAX_BODY_BYTES), MAX_BODY_BYTES).cut).toBe(false);
  });
});

describe("feedbackParseCommand", () => {
  const run = async (files: Record<string, string>) => {
    let out = "";
    let err = "";
    const io = {
      readFile: async (path: string) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
        return text;
      },
      stdout: (s: string) => (out += s),
      stderr: (s: string) => (err += s),
    };
    const code = await feedbackParseCommand("body.md", io);
    return { code, out, err };
  };

  it("prints the entries, problems and truncated flag as JSON", async () => {
    const { code, out } = await run({ "body.md": THREE_ENTRIES });
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { entries: unknown[]; problems: unknown[]; truncated: boolean };
    expect(Object.keys(printed)).toEqual(["entries", "problems", "truncated"]);
    expect(printed.entries).toHaveLength(3);
  });

  it("reads issue forms with the templates of .github/ISSUE_TEMPLATE", async () => {
    const body = formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"], ["Severity", "blocking"]]);
    const { out } = await run({ "body.md": body, ".github/ISSUE_TEMPLATE/tool-problem.yml": templates["tool-problem"] ?? "" });
    expect(JSON.parse(out)).toMatchObject({ entries: [{ kind: "tool-problem", severity: "blocking", format: "form" }] });
  });

  it("exits 2 with a clear message when the file cannot be read", async () => {
    const { code, out, err } = await run({});
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/cannot read "body\.md" \(no such file\)/);
  });
});
