import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCatalog } from "../../src/core/catalog.js";
import { checkProposal, type ProposalCheckContext } from "../../src/core/proposal-check.js";
import type { Proposal, ProposalChange } from "../../src/core/suggest.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";
import { limitsWith, REPO_ROOT } from "../support/manifest-fixtures.js";

const mallku = (name: string) => readFileSync(join(REPO_ROOT, "../shared/mallku-manifests", `${name}.yaml`), "utf8");
const ours = (name: string) => readFileSync(join(REPO_ROOT, "manifests", `${name}.yaml`), "utf8");

function proposal(type: string, change: ProposalChange, tool: string, replacement?: string): Proposal {
  const p: Proposal = { id: `${type}/${change}-${tool}`, apprentice_type: type, change, tool, lists: [change === "replace" ? "required_tools" : "optional_tools"], evidence: { issues: [1], reporters: ["a"], weight: 3, count: 3, threshold: 3, usage: null }, why: "" };
  if (replacement) p.replacement = replacement;
  return p;
}

function ctx(type: string, text: string, overrides: Partial<ProposalCheckContext> = {}): ProposalCheckContext {
  return { file: `manifests/${type}.yaml`, text, toSource: (file, t) => manifestSourceFromBytes(file, new TextEncoder().encode(t)), limits: limitsWith(), ...overrides };
}

describe("checkProposal", () => {
  it("accepts an addition that fits, with the plan diff and the patched text", () => {
    const r = checkProposal(proposal("python_patterns", "add", "ast_parse"), ctx("python_patterns", mallku("python_patterns")));
    expect(r.accepted).toBe(true);
    expect(r.rejectedWhy).toBeUndefined();
    expect(r.diff).toMatchObject({ kind: "changed", added: ["ast_parse"], removed: [], addedWhy: { ast_parse: "optional" } });
    expect(r.patchedText).toContain("  - glob              # Find Python files\n  - ast_parse\n");
  });

  it("accepts a removal and a replacement", () => {
    expect(checkProposal(proposal("test_guardian", "remove", "glob"), ctx("test_guardian", mallku("test_guardian")))).toMatchObject({ accepted: true, diff: { removed: ["glob"] } });
    const replaced = checkProposal(proposal("test_guardian", "replace", "grep", "ripgrep"), ctx("test_guardian", mallku("test_guardian")));
    expect(replaced).toMatchObject({ accepted: true, diff: { added: ["ripgrep"], removed: ["grep"] } });
    expect(replaced.newFindings.map((f) => f.code)).toEqual(["note-key-unlisted"]);
  });

  it("rejects an addition that would be excluded as over the limit", () => {
    const r = checkProposal(proposal("refactoring_surgeon", "add", "format_check"), ctx("refactoring_surgeon", ours("refactoring_surgeon")));
    expect(r.accepted).toBe(false);
    expect(r.rejectedWhy).toBe("`format_check` would not fit: refactoring_surgeon already uses 7 of 7 tool slots, so it would be excluded as over the limit.");
    expect(r.diff?.kind).toBe("unchanged");
  });

  it("rejects a change that makes the manifest invalid (a forbidden required tool)", () => {
    const r = checkProposal(proposal("python_patterns", "replace", "grep", "docker_grep"), ctx("python_patterns", mallku("python_patterns")));
    expect(r.accepted).toBe(false);
    expect(r.rejectedWhy).toMatch(/^The change would make manifests\/python_patterns\.yaml invalid: .*docker_grep/);
    expect(r.patchedText).toContain("docker_grep");
  });

  it("rejects any change to a manifest that already has errors (here: required over the limit)", () => {
    const r = checkProposal(proposal("python_patterns", "replace", "grep", "ripgrep"), ctx("python_patterns", mallku("python_patterns"), { limits: limitsWith({ max_tools: 7, safety_margin: 5 }) }));
    expect(r.accepted).toBe(false);
    expect(r.rejectedWhy).toMatch(/already has errors .*required tools, but only 2 fit/);
  });

  it("rejects an addition the catalog does not have", () => {
    const catalog = buildCatalog([{ server: "fs", file: "fs.json", data: ["read_file", "grep", "edit_file", "multi_edit", "write_file", "bash", "glob"] }]).catalog;
    const r = checkProposal(proposal("python_patterns", "add", "ast_parse"), ctx("python_patterns", mallku("python_patterns"), { catalog }));
    expect(r).toMatchObject({ accepted: false, rejectedWhy: "`ast_parse` would still not be given to python_patterns (unavailable)." });
  });

  it("rejects a proposal it cannot write", () => {
    const r = checkProposal(proposal("python_patterns", "remove", "not_there"), ctx("python_patterns", mallku("python_patterns")));
    expect(r).toMatchObject({ accepted: false, rejectedWhy: "The change cannot be written into manifests/python_patterns.yaml: `not_there` is not listed in `optional_tools`." });
    expect(r.patchedText).toBe(mallku("python_patterns"));
  });
});
