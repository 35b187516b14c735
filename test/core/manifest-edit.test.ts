import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyProposal, editManifestText, scalarText, type ManifestEdit } from "../../src/core/manifest-edit.js";
import type { Proposal } from "../../src/core/suggest.js";
import { REPO_ROOT } from "../support/manifest-fixtures.js";

// The Mallku manifests are read where they live, never copied into this repository.
const MALLKU = join(REPO_ROOT, "../shared/mallku-manifests");
const read = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => ({ name: f, text: readFileSync(join(dir, f), "utf8") }));
const mallku = read(MALLKU);
const ours = read(join(REPO_ROOT, "manifests"));
const all = [...mallku, ...ours];

/** The lines that differ: what was taken out and what was put in, between a common head and tail. */
function lineDiff(before: string, after: string): { at: number; removed: string[]; added: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { at: head + 1, removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

function edited(text: string, edit: ManifestEdit): string {
  const r = editManifestText(text, edit);
  if (!r.ok) throw new Error(r.reason);
  return r.text;
}

const listOf = (text: string, list: string): string[] => (parse(text) as Record<string, string[]>)[list] ?? [];
const lineOf = (text: string, pattern: RegExp): string => text.split("\n").find((l) => pattern.test(l)) ?? "";
const indentOf = (line: string): string => /^\s*/.exec(line)?.[0] ?? "";

it("reads the three Mallku manifests from ../shared", () => {
  expect(mallku.map((m) => m.name)).toEqual(["documentation_weaver.yaml", "python_patterns.yaml", "test_guardian.yaml"]);
  expect(ours.length).toBeGreaterThanOrEqual(7);
});

describe.each(all)("$name: byte-for-byte outside the changed lines", ({ text }) => {
  const optional = listOf(text, "optional_tools");
  const required = listOf(text, "required_tools");

  it("append: one new line, indented like its siblings, after the last item", () => {
    const after = edited(text, { op: "append", list: "optional_tools", tool: "ast_parse_v2" });
    const d = lineDiff(text, after);
    const last = lineOf(text, new RegExp(`^\\s*-\\s+"?${optional.at(-1)?.replace(/[*?]/g, "\\$&")}"?(\\s|$)`));
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual([`${indentOf(last)}- ast_parse_v2`]);
    expect(listOf(after, "optional_tools")).toEqual([...optional, "ast_parse_v2"]);
  });

  it.each(optional.map((tool, i) => [tool, i] as const))("remove %s: its whole line goes, trailing comment included", (tool) => {
    const after = edited(text, { op: "remove", list: "optional_tools", tool });
    const d = lineDiff(text, after);
    expect(d.added).toEqual([]);
    expect(d.removed).toHaveLength(1);
    expect(d.removed[0]).toMatch(new RegExp(`^\\s*- "?${tool.replace(/[*?]/g, "\\$&")}"?\\s*(#.*)?$`));
    expect(listOf(after, "optional_tools")).toEqual(optional.filter((t) => t !== tool));
  });

  it.each(required.map((tool) => [tool] as const))("replace required %s: one line changes, its comment stays in its column", (tool) => {
    const after = edited(text, { op: "replace", lists: ["required_tools"], tool, with: "treesitter" });
    const d = lineDiff(text, after);
    expect(d.removed).toHaveLength(1);
    expect(d.added).toHaveLength(1);
    const [before, now] = [d.removed[0] as string, d.added[0] as string];
    expect(now.replace("treesitter", tool).replace(/\s+#/, " #")).toBe(before.replace(/\s+#/, " #"));
    const gap = before.indexOf("#") - (before.indexOf(tool) + tool.length);
    if (before.includes("#") && gap - ("treesitter".length - tool.length) >= 1) expect(now.indexOf("#")).toBe(before.indexOf("#"));
    expect(listOf(after, "required_tools")).toEqual(required.map((t) => (t === tool ? "treesitter" : t)));
  });
});

describe("flow sequences", () => {
  const text = "apprentice_type: x\ndescription: d\nrequired_tools: [read_file, grep]   # the basics\noptional_tools: []\nforbidden_tools: [\"docker_*\",database_*]\n";

  it.each<[string, ManifestEdit, string]>([
    ["append", { op: "append", list: "required_tools", tool: "glob" }, "required_tools: [read_file, grep, glob]   # the basics"],
    ["append to an empty list", { op: "append", list: "optional_tools", tool: "glob" }, "optional_tools: [glob]"],
    ["remove the first", { op: "remove", list: "required_tools", tool: "read_file" }, "required_tools: [grep]   # the basics"],
    ["remove the last", { op: "remove", list: "required_tools", tool: "grep" }, "required_tools: [read_file]   # the basics"],
    ["replace", { op: "replace", lists: ["required_tools"], tool: "grep", with: "ripgrep" }, "required_tools: [read_file, ripgrep]   # the basics"],
  ])("%s", (_, edit, line) => {
    const after = edited(text, edit);
    const d = lineDiff(text, after);
    expect(d.added).toEqual([line]);
    expect(d.removed).toHaveLength(1);
  });

  it("keeps the separator style of the list", () => {
    const after = edited("apprentice_type: x\ndescription: d\noptional_tools: [a,b]\n", { op: "append", list: "optional_tools", tool: "c" });
    expect(after).toBe("apprentice_type: x\ndescription: d\noptional_tools: [a,b,c]\n");
  });

  it("empties a one-item list to []", () => {
    expect(edited("apprentice_type: x\noptional_tools: [a]\n", { op: "remove", list: "optional_tools", tool: "a" })).toBe("apprentice_type: x\noptional_tools: []\n");
  });
});

describe("edge cases", () => {
  it("leaves `[]` rather than an empty value when the last block item goes", () => {
    const text = "apprentice_type: x\noptional_tools:   # nice to have\n  - glob    # find files\nforbidden_tools:\n  - docker_*\n";
    expect(edited(text, { op: "remove", list: "optional_tools", tool: "glob" })).toBe("apprentice_type: x\noptional_tools: []   # nice to have\nforbidden_tools:\n  - docker_*\n");
  });

  it("adds a missing optional_tools after required_tools, with the same indentation", () => {
    const text = "apprentice_type: x\nrequired_tools:\n    - read_file  # always\n\nforbidden_tools: [docker_*]\n";
    expect(edited(text, { op: "append", list: "optional_tools", tool: "glob" })).toBe("apprentice_type: x\nrequired_tools:\n    - read_file  # always\noptional_tools:\n    - glob\n\nforbidden_tools: [docker_*]\n");
  });

  it("fills an empty optional_tools key", () => {
    expect(edited("apprentice_type: x\noptional_tools:   # none yet\nforbidden_tools: []\n", { op: "append", list: "optional_tools", tool: "glob" })).toBe("apprentice_type: x\noptional_tools:   # none yet\n  - glob\nforbidden_tools: []\n");
  });

  it("keeps CRLF line endings", () => {
    const text = "apprentice_type: x\r\noptional_tools:\r\n  - a\r\n  - b\r\n";
    expect(edited(text, { op: "append", list: "optional_tools", tool: "c" })).toBe("apprentice_type: x\r\noptional_tools:\r\n  - a\r\n  - b\r\n  - c\r\n");
    expect(edited(text, { op: "remove", list: "optional_tools", tool: "a" })).toBe("apprentice_type: x\r\noptional_tools:\r\n  - b\r\n");
  });

  it("handles a last line without a line break", () => {
    const text = "apprentice_type: x\noptional_tools:\n  - a\n  - b";
    expect(edited(text, { op: "remove", list: "optional_tools", tool: "b" })).toBe("apprentice_type: x\noptional_tools:\n  - a");
    expect(edited(text, { op: "append", list: "optional_tools", tool: "c" })).toBe("apprentice_type: x\noptional_tools:\n  - a\n  - b\n  - c");
  });

  it("removes every occurrence of a tool listed twice", () => {
    expect(edited("optional_tools:\n  - a\n  - b\n  - a\n", { op: "remove", list: "optional_tools", tool: "a" })).toBe("optional_tools:\n  - b\n");
  });

  it("replaces a quoted item and keeps a short comment gap at least one space wide", () => {
    expect(edited('required_tools:\n  - "grep" # x\n', { op: "replace", lists: ["required_tools"], tool: "grep", with: "a_much_longer_tool_name" })).toBe("required_tools:\n  - a_much_longer_tool_name # x\n");
  });

  it.each([
    ["glob", "glob"],
    ["null", '"null"'],
    ["true", '"true"'],
    ["123", '"123"'],
    ["a:b", "a:b"],
    ["mcp__github__get_me", "mcp__github__get_me"],
  ])("writes %s as %s", (tool, text) => {
    expect(scalarText(tool)).toBe(text);
  });

  it.each<[string, string, ManifestEdit, RegExp]>([
    ["a tool that is not listed", "optional_tools:\n  - a\n", { op: "remove", list: "optional_tools", tool: "zzz" }, /`zzz` is not listed in `optional_tools`/],
    ["broken YAML", "optional_tools: [a\n", { op: "append", list: "optional_tools", tool: "b" }, /not valid YAML/],
    ["a list that is not a list", "optional_tools: glob\n", { op: "append", list: "optional_tools", tool: "b" }, /not a list/],
    ["a file that is not a mapping", "- a\n", { op: "append", list: "optional_tools", tool: "b" }, /not a mapping/],
  ])("says why it cannot edit %s", (_, text, edit, reason) => {
    const r = editManifestText(text, edit);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(reason);
  });
});

it("applies a proposal: add to optional, replace where the tool stands, remove from optional", () => {
  const text = (mallku.find((m) => m.name === "python_patterns.yaml") as { text: string }).text;
  const base = { apprentice_type: "python_patterns", evidence: { issues: [], reporters: [], weight: 3, count: 3, threshold: 3, usage: null }, why: "" };
  const add: Proposal = { ...base, id: "python_patterns/add-ast_parse", change: "add", tool: "ast_parse", lists: ["optional_tools"] };
  const replace: Proposal = { ...base, id: "python_patterns/replace-grep", change: "replace", tool: "grep", replacement: "treesitter", lists: ["required_tools"] };
  const remove: Proposal = { ...base, id: "python_patterns/remove-bash", change: "remove", tool: "bash", lists: ["optional_tools"] };
  const lines = (p: Proposal) => {
    const r = applyProposal(text, p);
    return r.ok ? lineDiff(text, r.text) : r.reason;
  };
  expect(lines(add)).toEqual({ at: 20, removed: [], added: ["  - ast_parse"] });
  expect(lines(replace)).toEqual({ at: 11, removed: ["  - grep              # Search for code patterns"], added: ["  - treesitter        # Search for code patterns"] });
  expect(lines(remove)).toEqual({ at: 18, removed: ["  - bash              # Run simple Python checks"], added: [] });
});
