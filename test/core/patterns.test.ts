import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bareServerOf, explainInvalidEntry, firstMatch, isPattern, isShadowedBy, isValidToolName, matches } from "../../src/core/patterns.js";

// DESIGN §2: `*` any run, `?` one character, bare `mcp__<server>` = every tool of that
// server, case-sensitive. Generated cases are in provision.property.test.ts.

describe("matches", () => {
  it.each<[entry: string, name: string, server: string | undefined, expected: boolean]>([
    ["read_file", "read_file", undefined, true],
    ["read_file", "read_files", undefined, false],
    ["read_file", "Read_file", undefined, false],
    ["github_*", "github_get_issue", undefined, true],
    ["github_*", "github_", undefined, true],
    ["github_*", "gitlab_get_issue", undefined, false],
    ["git_????", "git_diff", undefined, true],
    ["git_????", "git_log", undefined, false],
    ["*_file", "read_file", undefined, true],
    ["*_file", "read_file_x", undefined, false],
    ["a*b*c", "a-x-b-y-c", undefined, true],
    ["docs.search", "docsXsearch", undefined, false],
    ["docs.*", "docs.search", undefined, true],
    ["*", "anything", undefined, true],
    ["mcp__github", "get_issue", "github", true],
    ["mcp__github", "mcp__github__get_issue", undefined, true],
    ["mcp__github", "get_issue", "gitlab", false],
    ["mcp__github", "mcp__githubx__get_issue", undefined, false],
    ["mcp__github", "mcp__github", undefined, false],
    ["mcp__github__*", "mcp__github__get_issue", undefined, true],
    ["mcp__github__*", "get_issue", "github", true],
    ["mcp__github__get_issue", "get_issue", "github", true],
    ["mcp__github__get_issue", "get_issue", "gitlab", false],
    ["mcp__discord_*", "send_message", "discord", true],
    ["get_issue", "mcp__github__get_issue", "github", false],
  ])("%s ~ %s (server %s) → %s", (entry, name, server, expected) => {
    expect(matches(entry, name, server)).toBe(expected);
  });
});

/** The RegExp translation `matches` used before (found by fuzzing to backtrack exponentially), kept as the reference. */
function regexReference(glob: string): RegExp {
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.\\^$+{}()|[\]-]/g, "\\$&");
  }
  return new RegExp(re + "$", "s");
}

describe("wildcards", () => {
  // Few letters, so that runs repeat and overlap; `.`, `\`, `[`, a newline and a surrogate
  // pair, which a RegExp would treat specially.
  const letter = fc.constantFrom("a", "b", "c", "_", "m", ".", "\\", "[", "\n", "😀");
  const name = fc.array(letter, { maxLength: 12 }).map((cs) => cs.join(""));
  const glob = fc.array(fc.oneof(letter, fc.constantFrom("*", "?")), { maxLength: 10 }).map((cs) => cs.join(""));

  it("match exactly what the old RegExp matched, `?` standing for one UTF-16 code unit", () => {
    fc.assert(
      fc.property(glob, name, (g, n) => {
        fc.pre(bareServerOf(g) === undefined);
        expect(matches(g, n)).toBe(regexReference(g).test(n));
      }),
      { numRuns: 5_000 },
    );
  });

  it("match names built to fit, with their `*`s and `?`s filled in", () => {
    fc.assert(
      fc.property(glob, fc.array(name, { maxLength: 10 }), (g, fills) => {
        fc.pre(bareServerOf(g) === undefined);
        let k = 0;
        const n = [...g].map((ch) => (ch === "*" ? (fills[k++] ?? "") : ch === "?" ? "x" : ch)).join("");
        expect(matches(g, n)).toBe(true);
        expect(regexReference(g).test(n)).toBe(true);
      }),
    );
  });

  // `*a*a*a*a*a*a*a*a*b` against 64 `a`s took minutes as a RegExp (found by fuzzing);
  // one pass per `*` now.
  it.each([
    ["*a".repeat(8) + "*b", "a".repeat(64), false],
    ["*a".repeat(8) + "*b", "a".repeat(120) + "b", true],
    ["*a?".repeat(20) + "*b", "a".repeat(128), false],
    ["*?".repeat(60) + "*b", "a".repeat(127), false],
  ])("%s ~ a name of %#: no exponential backtracking", (entry, tool, expected) => {
    expect(matches(entry, tool)).toBe(expected);
    expect(firstMatch(["docs_*", entry], tool, "docs")).toBe(expected ? entry : undefined);
    expect(isShadowedBy(tool, [entry])).toBe(expected ? entry : undefined);
  }, 2_000);
});

describe("names and patterns", () => {
  it.each<[entry: string, pattern: boolean, server: string | undefined]>([
    ["read_file", false, undefined],
    ["github_*", true, undefined],
    ["git_?", true, undefined],
    ["mcp__github", true, "github"],
    ["mcp__code-analysis", true, "code-analysis"],
    ["mcp__github__get_issue", false, undefined],
    ["mcp__", false, undefined],
  ])("%s: pattern %s, bare server %s", (entry, pattern, server) => {
    expect(isPattern(entry)).toBe(pattern);
    expect(bareServerOf(entry)).toBe(server);
  });

  it.each<[entry: string, allowPatterns: boolean, problem: string | undefined]>([
    ["read_file", false, undefined],
    ["ns:tool.v2-beta", false, undefined],
    ["git_*", true, undefined],
    ["git_*", false, "`*`"],
    ["read file", false, "a space"],
    ["grep/all", true, "`/`"],
    ["", true, "empty"],
    ["x".repeat(128), false, undefined],
    ["x".repeat(129), false, "129 characters"],
    ["café", false, "`é`"],
  ])("%j (patterns allowed: %s) → %s", (entry, allowPatterns, problem) => {
    const why = explainInvalidEntry(entry, allowPatterns);
    if (problem === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(problem);
    if (!allowPatterns) expect(isValidToolName(entry)).toBe(problem === undefined);
  });
});

describe("isShadowedBy", () => {
  it.each<[entry: string, forbidden: string[], shadow: string | undefined]>([
    ["docker_ps", ["docker_*"], "docker_*"],
    ["docker_compose_*", ["database_*", "docker_*"], "docker_*"],
    ["docker_*", ["docker_*"], "docker_*"],
    ["docker_*", ["docker_ps"], undefined],
    ["docker_*", ["*"], "*"],
    ["git_????", ["git_*"], "git_*"],
    ["git_*", ["git_????"], undefined],
    ["mcp__shell", ["mcp__shell"], "mcp__shell"],
    ["mcp__shell", ["bash"], undefined],
  ])("%s under %j → %s", (entry, forbidden, shadow) => {
    expect(isShadowedBy(entry, forbidden)).toBe(shadow);
  });
});
