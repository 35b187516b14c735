import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApprenticeDiff } from "../../src/core/plan.js";
import { PROPOSAL_MARKER, proposalBranch, proposalIdOf, proposalTitle, renderProposalBody, renderThanks } from "../../src/core/proposal-body.js";
import type { Proposal, ProposalChange } from "../../src/core/suggest.js";

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  return {
    id: "python_patterns/add-ast_parse",
    apprentice_type: "python_patterns",
    change: "add",
    tool: "ast_parse",
    lists: ["optional_tools"],
    evidence: { issues: [1, 3, 4], reporters: ["ana", "ben", "cho"], weight: 2.9876, count: 3, threshold: 2.5, usage: null },
    why: "3 reports from 3 reporters (weight 2.99 ≥ 2.5) say python_patterns is missing `ast_parse`, so it is added to optional_tools.",
    ...overrides,
  };
}

const DIFF: ApprenticeDiff = {
  apprentice_type: "python_patterns",
  kind: "changed",
  added: ["ast_parse"],
  removed: [],
  addedWhy: { ast_parse: "optional" },
  removedWhy: {},
};

/** `git check-ref-format`'s rules for a branch under refs/heads/. */
function isValidRef(ref: string): boolean {
  if (ref === "@" || ref.endsWith("/") || ref.endsWith(".") || ref.includes("..") || ref.includes("//") || ref.includes("@{")) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  return ref.split("/").every((c) => c.length > 0 && !c.startsWith(".") && !c.endsWith(".lock"));
}

describe("a proposal's branch", () => {
  it.each<[string, ProposalChange, string, string]>([
    ["python_patterns", "add", "ast_parse", "apprentice-tools/python_patterns/add-ast_parse"],
    ["test_guardian", "replace", "grep", "apprentice-tools/test_guardian/replace-grep"],
    ["docs-writer", "remove", "web.search", "apprentice-tools/docs-writer/remove-web.search"],
    ["python_patterns", "add", "mcp__github__create_issue", "apprentice-tools/python_patterns/add-mcp__github__create_issue"],
  ])("is apprentice-tools/<type>/<change>-<tool> for ordinary names: %s %s %s", (type, change, tool, branch) => {
    expect(proposalBranch({ apprentice_type: type, change, tool })).toBe(branch);
  });

  it.each(["github:create_issue", "x.lock", "a..b", ".hidden", "trailing.", "", "a b", "ünï", "x".repeat(300)])("stays a valid ref for the awkward name %j, with a hash that keeps it apart", (tool) => {
    const branch = proposalBranch({ apprentice_type: "python_patterns", change: "add", tool });
    expect(isValidRef(branch)).toBe(true);
    expect(branch).toMatch(/^apprentice-tools\/python_patterns\/add-.*-[0-9a-z]{12}$/);
    expect(branch.length).toBeLessThan(200);
  });

  it("never gives two tools the same branch, though both spell to the same safe name", () => {
    const a = proposalBranch({ apprentice_type: "t", change: "add", tool: "mcp:x" });
    const b = proposalBranch({ apprentice_type: "t", change: "add", tool: "mcp_x" });
    const c = proposalBranch({ apprentice_type: "t", change: "add", tool: "mcp.x" });
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it("is a valid git ref for any apprentice type and tool name (property)", () => {
    const names = fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: "binary", maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/), fc.constantFrom(".", "..", ".lock", "a.lock", "@", "@{x", "-", "/", "a/b"));
    fc.assert(
      fc.property(names, names, fc.constantFrom<ProposalChange>("add", "replace", "remove"), (type, tool, change) => {
        expect(isValidRef(proposalBranch({ apprentice_type: type, change, tool }))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("is accepted by git itself (a sample of awkward names)", () => {
    const sample = fc.sample(fc.tuple(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 30 })), { numRuns: 40, seed: 6 });
    const awkward: [string, string][] = [...sample, ["x.lock", ".."], ["a b", "@{1}"]];
    for (const [type, tool] of awkward) {
      const branch = proposalBranch({ apprentice_type: type, change: "add", tool });
      expect(() => execFileSync("git", ["check-ref-format", `refs/heads/${branch}`], { stdio: "pipe" }), branch).not.toThrow();
    }
  });

  it("keeps different tools apart (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
        fc.pre(a !== b);
        expect(proposalBranch({ apprentice_type: "t", change: "add", tool: a })).not.toBe(proposalBranch({ apprentice_type: "t", change: "add", tool: b }));
      }),
      { numRuns: 500 },
    );
  });
});

describe("a proposal's pull request", () => {
  it.each<[Partial<Proposal>, string]>([
    [{}, "python_patterns: add ast_parse to optional tools"],
    [{ change: "replace", tool: "grep", replacement: "ripgrep" }, "python_patterns: replace grep with ripgrep"],
    [{ change: "remove", tool: "glob" }, "python_patterns: remove unused glob"],
  ])("is titled for what it changes: %j", (overrides, title) => {
    expect(proposalTitle(proposal(overrides))).toBe(title);
  });

  it("says why in one sentence, shows the evidence and the plan diff, and how to decline", () => {
    const body = renderProposalBody(proposal(), "manifests/python_patterns.yaml", DIFF);
    expect(body.startsWith(`${PROPOSAL_MARKER}python_patterns/add-ast_parse -->\n\n3 reports from 3 reporters`)).toBe(true);
    expect(body).toContain("Manifest: `manifests/python_patterns.yaml`");
    expect(body).toContain("| Issues | #1 #3 #4 |\n| Reporters | `ana`, `ben`, `cho` |\n| Evidence weight | 2.99 (threshold 2.5; 3 counted) |");
    expect(body).toContain("### Plan diff");
    expect(body).toMatch(/\| `python_patterns` \| ✏️ changed \|[^\n]*➕ `ast_parse`/);
    expect(body).toContain("Close without merging to decline");
    expect(proposalIdOf(body)).toBe("python_patterns/add-ast_parse");
  });

  it("shows usage figures for a removal, and says so when the plan diff could not be computed", () => {
    const usage = { sessions_provided: 40, sessions_provided_weight: 31.2, sessions_called: 0, calls: 0, calls_weight: 0, sessions_unprovided_calls: 0, last_called: null };
    const body = renderProposalBody(proposal({ change: "remove", tool: "glob", evidence: { issues: [], reporters: [], weight: 31.2, count: 40, threshold: 30, usage } }), "m.yaml", undefined);
    expect(body).toContain("| Usage | given in 40 sessions, called 0 times |");
    expect(body).not.toContain("| Issues |");
    expect(body).toContain("_The plan diff could not be computed._");
  });

  it("never pings reporters and stays within GitHub's limit however much evidence there is", () => {
    const issues = Array.from({ length: 20_000 }, (_, i) => i + 1);
    const reporters = Array.from({ length: 5_000 }, (_, i) => `someone-with-a-long-login-${i}`);
    const body = renderProposalBody(proposal({ evidence: { issues, reporters, weight: 5000, count: 5000, threshold: 3, usage: null } }), "m.yaml", DIFF);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("#100 and 19900 more");
    expect(body).toContain("`someone-with-a-long-login-49` and 4950 more");
    expect(body.replace(/`[^`]*`/g, "")).not.toMatch(/@[A-Za-z0-9]/);
  });

  it("is recognised only by its marker at the very start", () => {
    expect(proposalIdOf(`Quoting: ${PROPOSAL_MARKER}x/add-y -->`)).toBeUndefined();
    expect(proposalIdOf(`${PROPOSAL_MARKER}unterminated`)).toBeUndefined();
  });
});

describe("the thank-you on a merged proposal", () => {
  it("names the PR and the change, with the bot's marker first", () => {
    expect(renderThanks(5, { id: "python_patterns/add-ast_parse", apprentice_type: "python_patterns" })).toBe(
      "<!-- apprentice-tools:thanks -->\nThank you — this feedback helped change `python_patterns`'s tools in #5 (`python_patterns/add-ast_parse`), now merged. Closing as completed.\n",
    );
  });
});
