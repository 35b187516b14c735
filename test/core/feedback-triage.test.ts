import { describe, expect, it } from "vitest";
import { buildCatalog } from "../../src/core/catalog.js";
import { MAX_ENTRIES_PER_BODY, parseFeedback } from "../../src/core/feedback-parse.js";
import { mayCarryFeedback, triageFeedback, type TriageContext } from "../../src/core/feedback-triage.js";
import { LABEL_MAX } from "../../src/core/labels.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { checkBytes } from "../support/manifest-fixtures.js";

function manifest(yaml: string): Manifest {
  const m = checkBytes("manifests/x.yaml", yaml).manifest;
  if (!m) throw new Error("fixture manifest does not parse");
  return m;
}

const PYTHON = manifest(`apprentice_type: python_patterns_reviewer
description: "Reviews Python"
required_tools: [read_file, grep, ast_parse]
optional_tools: [lint_python, glob]
forbidden_tools: [write_file, "docker_*"]
`);
const CI = manifest(`apprentice_type: ci_doctor
description: "Explains failing CI"
required_tools: [read_file]
optional_tools: [glob]
`);

const catalog = buildCatalog([{ server: "code", file: "manifests/catalog/code.json", data: ["read_file", "grep", "ast_parse", "lint_python", "glob", "write_file", "docker_run", "treesitter_parse", "file_search"] }]).catalog;

function ctx(overrides: Partial<TriageContext> = {}): TriageContext {
  return { manifests: new Map([["python_patterns_reviewer", PYTHON], ["ci_doctor", CI]]), catalog, fallback: null, ...overrides };
}

const triage = (body: string, c: TriageContext = ctx()) => triageFeedback(parseFeedback(body), c);
const py = (line: string) => `**Apprentice**: python_patterns_reviewer\n${line}`;

describe("triageFeedback: verdicts", () => {
  it.each([
    ["a missing tool", py("**Missing Tool**: `treesitter_parse` - Needed for: x"), "accepted", []],
    ["a problem with a known tool", py("**Tool Problem**: `lint_python` - Issue: x"), "accepted", []],
    ["a suggestion", py("**Tool Suggestion**: Replace `glob` with `file_search` - Reason: x"), "accepted", []],
    ["no apprentice type", "**Missing Tool**: `ast_parse` - Needed for: x", "needs-info", ["which apprentice type"]],
    ["an unknown type", "**Apprentice**: python_pattern_reviewer\n**Missing Tool**: `ast_parse` - Needed for: x", "needs-info", ["did you mean `python_patterns_reviewer`?"]],
    ["an empty tool", py("**Missing Tool**: - Needed for: x"), "needs-info", ["the tool's name"]],
    ["an invalid tool name", py("**Missing Tool**: `ast parse` - Needed for: x"), "needs-info", ["not a valid tool name"]],
    ["a problem with a misspelt tool", py("**Tool Problem**: `lint_pyton` - Issue: x"), "needs-info", ["did you mean `lint_python`?"]],
  ])("%s → %s", (_what, body, verdict, fragments) => {
    const t = triage(body);
    expect(t.entries).toHaveLength(1);
    expect(t.entries[0]?.verdict).toBe(verdict);
    for (const f of fragments) expect(t.entries[0]?.missing.join(" ")).toContain(f);
    expect(t.needsInfo).toBe(verdict === "needs-info");
  });

  it("says which known type an unknown one most likely meant", () => {
    expect(triage("**Apprentice**: ci_docter\n**Missing Tool**: `glob` - Needed for: x").entries[0]?.suggestedType).toBe("ci_doctor");
  });

  it("accepts an unknown type when the config names a fallback manifest", () => {
    const t = triage("**Apprentice**: newcomer\n**Missing Tool**: `treesitter_parse` - Needed for: x", ctx({ fallback: "ci_doctor" }));
    expect(t.entries[0]?.verdict).toBe("accepted");
    expect(t.labels.map((l) => l.name)).not.toContain("apprentice:newcomer");
  });

  it("accepts and marks feedback about a forbidden tool with the pattern that forbids it", () => {
    const t = triage(py("**Missing Tool**: `docker_run` - Needed for: running tests"));
    expect(t.entries[0]).toMatchObject({ verdict: "accepted", forbiddenBy: "docker_*" });
    expect(t.labels.map((l) => l.name)).toEqual(["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:docker_run"]);
  });
});

describe("triageFeedback: critical", () => {
  it.each([
    ["a blocking problem with an optional tool", "lint_python", "blocking", true],
    ["a minor problem with a required tool", "ast_parse", "minor", true],
    ["a problem with a required tool, no severity", "grep", null, true],
    ["a degraded problem with an optional tool", "lint_python", "degraded", false],
  ])("%s", (_what, tool, severity, critical) => {
    const body = py(`**Tool Problem**: \`${tool}\` - Issue: x`);
    const parsed = parseFeedback(body);
    for (const e of parsed.entries) e.severity = severity as typeof e.severity;
    const t = triageFeedback(parsed, ctx());
    expect(t.critical).toBe(critical);
    expect(t.criticalTypes).toEqual(critical ? ["python_patterns_reviewer"] : []);
    expect(t.labels.some((l) => l.name === "severity:critical")).toBe(critical);
  });

  it("is never critical when the entry itself needs info", () => {
    const t = triage("**Tool Problem**: `ast_parse` - Issue: x");
    expect(t.critical).toBe(false);
  });
});

describe("triageFeedback: hostile input", () => {
  it("reads at most the parser's cap of 10,000 entries, and says it cut", () => {
    const body = py(Array.from({ length: 10_000 }, (_, i) => `**Missing Tool**: \`tool_${i}\` - Needed for: x`).join("\n"));
    const t = triage(body);
    expect(t.entries).toHaveLength(MAX_ENTRIES_PER_BODY);
    expect(t.truncated).toBe(true);
    // A label per distinct tool at most, never more than the entries read.
    expect(t.labels.length).toBeLessThanOrEqual(MAX_ENTRIES_PER_BODY + 6);
  });

  it("stays fast on 1 MB of text", () => {
    const body = py(`**Missing Tool**: \`ast_parse\` - Needed for: ${"lorem ipsum ".repeat(90_000)}`);
    const start = performance.now();
    const t = triage(body);
    expect(performance.now() - start).toBeLessThan(3_000);
    expect(t.truncated).toBe(true);
  });

  it("keeps every label within GitHub's cap, however long the tool or type", () => {
    const long = `mcp__${"very_long_server_name_".repeat(4)}__${"x".repeat(30)}`.slice(0, 128);
    const t = triage(`**Apprentice**: python_patterns_reviewer\n**Missing Tool**: \`${long}\` - Needed for: x`);
    expect(t.labels.every((l) => l.name.length <= LABEL_MAX && l.description.length <= 100)).toBe(true);
  });
});

describe("mayCarryFeedback", () => {
  it.each([
    ["an ordinary issue", ["The build fails on main."], [], false],
    ["an ordinary issue with one heading", ["### Steps\n\nRun it."], ["bug"], false],
    ["khipu lines", ["**Missing Tool**: `ast_parse` - Needed for: x"], [], true],
    ["khipu lines in a comment", ["ordinary", "**Tool Problem**: `grep` - Issue: slow"], [], true],
    ["a body shaped like a form", ["### Apprentice type\n\nci_doctor\n\n### Missing tool\n\nglob"], [], true],
    ["a feedback label", ["no khipu here"], ["apprentice-feedback"], true],
    ["an apprentice label", ["no khipu here"], ["apprentice:ci_doctor"], true],
    ["khipu only inside a code fence", ["```\n**Missing Tool**: `ast_parse` - x\n```"], [], false],
    ["khipu only inside an HTML comment", ["<!-- **Missing Tool**: `ast_parse` - x -->"], [], false],
  ])("%s → %s", (_what, texts, labels, expected) => {
    expect(mayCarryFeedback(texts, labels)).toBe(expected);
  });
});
