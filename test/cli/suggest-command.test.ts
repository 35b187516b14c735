import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { suggestCommand } from "../../src/cli/suggest-command.js";
import { EXIT, UsageError, type CliIO } from "../../src/cli/cli-io.js";
import { REPO_ROOT } from "../support/manifest-fixtures.js";

const MALLKU = path.join(REPO_ROOT, "../shared/mallku-manifests");
const NOW = "2026-11-01T12:00:00Z";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "apprentice-suggest-"));
  await mkdir(path.join(dir, "manifests"));
  for (const name of ["documentation_weaver", "python_patterns", "test_guardian"]) await copyFile(path.join(MALLKU, `${name}.yaml`), path.join(dir, "manifests", `${name}.yaml`));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), text);
}

interface IssueOverrides {
  login?: string;
  state?: string;
  state_reason?: string | null;
  labels?: { name: string }[];
}

let issueNumber = 0;
function issue(lines: string[], o: IssueOverrides = {}) {
  issueNumber++;
  return {
    number: issueNumber,
    title: "feedback",
    body: lines.join("\n"),
    user: { login: o.login ?? `reporter${issueNumber}` },
    created_at: NOW,
    updated_at: NOW,
    state: o.state ?? "open",
    state_reason: o.state_reason ?? null,
    labels: o.labels ?? [{ name: "apprentice-feedback" }],
    html_url: `https://github.com/acme/agents/issues/${issueNumber}`,
  };
}
const missing = (type: string, tool: string, o: IssueOverrides = {}) => issue([`**Apprentice**: ${type}`, "", `**Missing Tool**: \`${tool}\` - Needed for: the job`], o);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd: dir, env: {} };
  const code = await suggestCommand(argv, io);
  return { code, out, err };
}

async function suggestJson(argv: string[]) {
  const r = await run(argv);
  expect(r.code).toBe(EXIT.ok);
  return JSON.parse(r.out) as { now: string; proposals: Record<string, unknown>[]; blocked: Record<string, unknown>[]; rejected: Record<string, unknown>[] };
}

describe("apprentice-tools suggest", () => {
  it("proposes adding a tool three reporters miss, with the patched manifest and the plan diff", async () => {
    await write("issues.json", JSON.stringify([missing("python_patterns", "ast_parse"), missing("python_patterns", "ast_parse"), missing("python_patterns", "ast_parse")]));
    const out = await suggestJson(["--issues", "issues.json", "--now", NOW]);
    expect(out.now).toBe("2026-11-01T12:00:00.000Z");
    expect(out.proposals).toHaveLength(1);
    const p = out.proposals[0] as Record<string, unknown>;
    expect(p).toMatchObject({ id: "python_patterns/add-ast_parse", change: "add", file: "manifests/python_patterns.yaml", evidence: { issues: [1, 2, 3], count: 3, weight: 3 } });
    const original = await readFile(path.join(MALLKU, "python_patterns.yaml"), "utf8");
    expect(p.patched_manifest).toBe(original.replace("  - glob              # Find Python files\n", "  - glob              # Find Python files\n  - ast_parse\n"));
    expect(p.plan_diff).toMatchObject({ apprentice_type: "python_patterns", kind: "changed", added: ["ast_parse"], removed: [], tools_after: ["read_file", "grep", "edit_file", "multi_edit", "write_file", "bash", "glob", "ast_parse"] });
    expect(out.blocked).toEqual([]);
    expect(out.rejected).toEqual([]);
  });

  it("takes the apprentice type from an apprentice:<type> label, and decays with --now", async () => {
    const labelled = (login: string) => issue(["**Missing Tool**: `ast_parse` - Needed for: x"], { login, labels: [{ name: "apprentice:test_guardian" }] });
    await write("issues.json", JSON.stringify([labelled("a"), labelled("b"), labelled("c")]));
    expect((await suggestJson(["--issues", "issues.json", "--now", NOW])).proposals.map((p) => p.id)).toEqual(["test_guardian/add-ast_parse"]);
    expect((await suggestJson(["--issues", "issues.json", "--now", "2026-11-02T12:00:00Z"])).proposals).toEqual([]);
  });

  it("reads issue-form bodies with the repository's templates", async () => {
    await mkdir(path.join(dir, ".github/ISSUE_TEMPLATE"), { recursive: true });
    await copyFile(path.join(REPO_ROOT, ".github/ISSUE_TEMPLATE/missing-tool.yml"), path.join(dir, ".github/ISSUE_TEMPLATE/missing-tool.yml"));
    const form = () => issue(["### Apprentice type", "", "documentation_weaver", "", "### Missing tool", "", "link_check", "", "### Needed for", "", "broken links"]);
    await write("issues.json", JSON.stringify([form(), form(), form()]));
    expect((await suggestJson(["--issues", "issues.json", "--now", NOW])).proposals.map((p) => p.id)).toEqual(["documentation_weaver/add-link_check"]);
  });

  it("lists a forbidden tool as blocked, and does not count issues closed as not planned", async () => {
    await write(
      "issues.json",
      JSON.stringify([
        ...[1, 2, 3].map(() => missing("python_patterns", "docker_run")),
        ...[1, 2, 3].map(() => missing("documentation_weaver", "markdown_lint", { state: "closed", state_reason: "not_planned" })),
        { number: 99, pull_request: { url: "x" }, body: "**Apprentice**: test_guardian\n**Missing Tool**: `x` - y", labels: [] },
      ]),
    );
    const out = await suggestJson(["--issues", "issues.json", "--now", NOW]);
    expect(out.proposals).toEqual([]);
    expect(out.blocked).toEqual([expect.objectContaining({ id: "python_patterns/add-docker_run", reason: "requested but forbidden by `docker_*`" })]);
  });

  it("proposes removing an optional tool given in 30 sessions and never called; warns about bad usage lines", async () => {
    const sessions = Array.from({ length: 30 }, (_, i) => JSON.stringify({ ts: NOW, apprentice_type: "documentation_weaver", session: `s${i}`, provided: ["read_file", "web_search"], calls: { read_file: 3 } }));
    await write("usage/2026-11.jsonl", [...sessions, "not json", '{"ts":"yesterday"}'].join("\n"));
    const r = await run(["--now", NOW]);
    const out = JSON.parse(r.out) as { proposals: Record<string, unknown>[] };
    expect(out.proposals).toEqual([expect.objectContaining({ id: "documentation_weaver/remove-web_search", plan_diff: expect.objectContaining({ removed: ["web_search"] }) })]);
    expect(r.err).toContain("warning: usage/2026-11.jsonl:31: Line 31 of usage/2026-11.jsonl is not JSON");
    expect(r.err).toContain("usage/2026-11.jsonl:32:");
  });

  it("rejects, with the reason, an addition that does not fit under the limit", async () => {
    await write("apprentice-tools.yml", "limits: { max_tools: 12, safety_margin: 5 }\n");
    await write("issues.json", JSON.stringify([1, 2, 3].map(() => missing("python_patterns", "ast_parse"))));
    const out = await suggestJson(["--issues", "issues.json", "--now", NOW]);
    expect(out.proposals).toEqual([]);
    expect(out.rejected).toEqual([expect.objectContaining({ id: "python_patterns/add-ast_parse", reason: "`ast_parse` would not fit: python_patterns already uses 7 of 7 tool slots, so it would be excluded as over the limit." })]);
  });

  it("prints empty lists without feedback or usage", async () => {
    expect(await suggestJson([])).toMatchObject({ proposals: [], blocked: [], rejected: [] });
  });

  it.each([
    [["--issues", "nope.json"], /--issues nope\.json: no such file/],
    [["--now", "last tuesday"], /--now must be an ISO 8601 time/],
    [["--usage", "nowhere"], /--usage nowhere is not a folder/],
  ])("treats %j as a usage error", async (argv, message) => {
    await expect(run(argv)).rejects.toSatisfy((e: unknown) => e instanceof UsageError && message.test(e.message));
  });

  it("refuses an issues file that is not an array", async () => {
    await write("issues.json", JSON.stringify({ number: 1 }));
    await expect(run(["--issues", "issues.json"])).rejects.toThrow(/not a JSON array of issues/);
  });

  it("prints its help", async () => {
    const r = await run(["--help"]);
    expect(r.out).toMatch(/^Usage: apprentice-tools suggest/);
  });
});
