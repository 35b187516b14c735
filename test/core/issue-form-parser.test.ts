import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileIssueForms, parseIssueForm } from "../../src/core/issue-form-parser.js";
import type { IssueFormEntry } from "../../src/core/issue-form-parser.js";
import { readIssueTemplatesFromDisk } from "../../src/io/issue-templates.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const templates = await readIssueTemplatesFromDisk(repoRoot);
const forms = compileIssueForms(templates);

/** A body exactly as GitHub renders a submitted form; null is a field left empty. */
function formBody(fields: [label: string, value: string | null][]): string {
  return fields.map(([label, value]) => `### ${label}\n\n${value ?? "_No response_"}`).join("\n\n");
}

const missingTool = (overrides: Partial<Record<"type" | "tool" | "purpose", string | null>> = {}) =>
  formBody([
    ["Apprentice type", "type" in overrides ? (overrides.type ?? null) : "python_patterns"],
    ["Missing tool", "tool" in overrides ? (overrides.tool ?? null) : "ast_parse"],
    ["Needed for", "purpose" in overrides ? (overrides.purpose ?? null) : "Parsing decorators."],
  ]);

describe("parseIssueForm: the shipped templates", () => {
  it("finds and compiles all three templates", () => {
    expect(Object.keys(templates).sort()).toEqual(["missing-tool", "tool-problem", "tool-suggestion"]);
    expect(forms.errors).toEqual([]);
    expect(forms.forms.map((f) => [f.kind, f.toolLabel])).toEqual([
      ["missing-tool", "Missing tool"],
      ["tool-problem", "Tool"],
      ["tool-suggestion", "Current tool"],
    ]);
  });

  it.each<[string, string, IssueFormEntry]>([
    [
      "missing tool",
      missingTool(),
      { kind: "missing-tool", apprentice_type: "python_patterns", tool: "ast_parse", suggested_tool: null, text: "Parsing decorators.", severity: null },
    ],
    [
      "tool problem",
      formBody([
        ["Apprentice type", "test_guardian"],
        ["Tool", "file_search"],
        ["Issue", "Times out.\n\nOn repositories with 10,000 files."],
        ["Severity", "blocking"],
      ]),
      { kind: "tool-problem", apprentice_type: "test_guardian", tool: "file_search", suggested_tool: null, text: "Times out.\n\nOn repositories with 10,000 files.", severity: "blocking" },
    ],
    [
      "tool suggestion",
      formBody([
        ["Apprentice type", "documentation_weaver"],
        ["Current tool", "regex_search"],
        ["Suggested tool", "treesitter"],
        ["Reason", "Regexes miss nested code."],
      ]),
      { kind: "tool-suggestion", apprentice_type: "documentation_weaver", tool: "regex_search", suggested_tool: "treesitter", text: "Regexes miss nested code.", severity: null },
    ],
  ])("reads a %s form", (_name, body, entry) => {
    expect(parseIssueForm(body, forms)).toEqual(entry);
  });

  it.each<[string, string, Partial<IssueFormEntry>]>([
    ["an empty apprentice type", missingTool({ type: null }), { apprentice_type: null }],
    ["an empty tool", missingTool({ tool: null }), { tool: "" }],
    ["an empty purpose", missingTool({ purpose: null }), { text: "" }],
    ["a tool in a code span", missingTool({ tool: "`ast_parse`" }), { tool: "ast_parse" }],
    ["a tool with a pipe", missingTool({ tool: "ast|parse" }), { tool: "ast|parse" }],
    ["a tool with a backtick inside", missingTool({ tool: "`ast`parse`" }), { tool: "ast`parse" }],
    ["CRLF line ends", missingTool().replace(/\n/g, "\r\n"), { tool: "ast_parse", text: "Parsing decorators." }],
    [
      "a heading typed inside a textarea",
      missingTool({ purpose: "Parsing.\n\n### Details\n\nMore." }),
      { text: "Parsing.\n\n### Details\n\nMore." },
    ],
    [
      "severity left empty",
      formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"], ["Severity", "None"]]),
      { kind: "tool-problem", severity: null },
    ],
    [
      "a severity outside the dropdown",
      formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"], ["Severity", "apocalyptic"]]),
      { kind: "tool-problem", severity: null },
    ],
    [
      "a tool problem whose severity heading was deleted",
      formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"]]),
      { kind: "tool-problem", tool: "grep", text: "slow" },
    ],
    [
      "text before the form",
      `Filed by the nightly run.\n\n${missingTool()}`,
      { kind: "missing-tool", tool: "ast_parse" },
    ],
  ])("handles %s", (_name, body, expected) => {
    expect(parseIssueForm(body, forms)).toMatchObject(expected);
  });

  it.each([
    ["an ordinary issue", "### Steps to reproduce\n\nRun it.\n\n### Expected\n\nIt works."],
    ["an empty body", ""],
    ["khipu lines", "**Missing Tool**: `ast_parse` - Needed for: x"],
    ["only the shared heading", formBody([["Apprentice type", "python_patterns"]])],
    ["form headings inside a code fence", "```\n" + missingTool() + "\n```"],
  ])("finds no form in %s", (_name, body) => {
    expect(parseIssueForm(body, forms)).toBeNull();
  });

  it("recognises nothing without templates", () => {
    expect(parseIssueForm(missingTool(), compileIssueForms({}))).toBeNull();
  });
});

describe("compileIssueForms: broken templates", () => {
  it.each([
    ["not YAML", "body: [unclosed", /not a valid issue form/],
    ["without body", "name: x\n", /not a valid issue form/],
    ["without a tool field", "name: x\nbody:\n  - type: input\n    id: other\n    attributes: { label: Other }\n", /no field with id `tool`/],
    ["with a field of unknown type", "name: x\nbody:\n  - type: slider\n    id: tool\n    attributes: { label: Tool }\n", /unknown type `slider`/],
  ])("reports a template %s and still uses the others", (_name, broken, message) => {
    const compiled = compileIssueForms({ ...templates, "missing-tool": broken });
    expect(compiled.errors).toEqual([{ kind: "missing-tool", message: expect.stringMatching(message) }]);
    const body = formBody([["Apprentice type", "a"], ["Tool", "grep"], ["Issue", "slow"], ["Severity", "minor"]]);
    expect(parseIssueForm(body, compiled)).toMatchObject({ kind: "tool-problem", severity: "minor" });
  });
});
