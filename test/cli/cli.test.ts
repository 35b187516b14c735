import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { bundleCli } from "../support/cli-bundle.js";
import { REPO_ROOT } from "../support/manifest-fixtures.js";

// The CLI in-process, with a fake io over temporary repositories (DESIGN §5).

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-cli-"));
  temps.push(dir);
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {} });
  return { code, stdout, stderr };
}

const GOOD = {
  "manifests/reviewer.yaml": "apprentice_type: reviewer\ndescription: Reviews\nrequired_tools: [read_file, grep]\noptional_tools: [glob, bash]\nforbidden_tools: [docker_*]\n",
  "manifests/writer.yaml": "apprentice_type: writer\ndescription: Writes\nrequired_tools: [read_file, write_file]\n",
};
const WARNING_ONLY = { "manifests/warn.yaml": "apprentice_type: warn\ndescription: d\nrequried_tools: [read_file]\n" };
const WITH_ERROR = { "manifests/bad.yaml": "apprentice_type: bad\ndescription: d\nrequired_tools:\n  - read_*\n" };

const FINDING_KEYS = ["code", "column", "file", "guidance", "line", "message", "next_steps", "severity"];

describe("check", () => {
  it.each<[name: string, files: Record<string, string>, args: string[], code: number]>([
    ["clean manifests", GOOD, [], 0],
    ["warnings only, default --fail-on error", WARNING_ONLY, [], 0],
    ["warnings with --fail-on warning", WARNING_ONLY, ["--fail-on", "warning"], 1],
    ["an error", WITH_ERROR, [], 1],
    ["an error with --fail-on never", WITH_ERROR, ["--fail-on", "never"], 0],
    ["one path given", { ...GOOD, ...WITH_ERROR }, ["manifests/reviewer.yaml"], 0],
    ["a bad --format", GOOD, ["--format", "xml"], 2],
    ["a bad --fail-on", GOOD, ["--fail-on", "sometimes"], 2],
    ["a bad --max-tools", GOOD, ["--max-tools", "lots"], 2],
    ["an unknown flag", GOOD, ["--frobnicate"], 2],
    ["a missing --config file", GOOD, ["--config", "nope.yml"], 2],
    ["a broken config file", { ...GOOD, "apprentice-tools.yml": "limits:\n  max_tools: many\n" }, [], 2],
    ["a config that is not a mapping", { ...GOOD, ".github/apprentice-tools.yml": "- a\n" }, [], 2],
    ["no manifests at all", { "README.md": "hi\n" }, [], 2],
  ])("%s → exit %i", async (_name, files, args, code) => {
    const result = await cli(repo(files), "check", ...args);
    expect(result.code, result.stdout + result.stderr).toBe(code);
    if (code === 2) expect(result.stderr + result.stdout).toMatch(/error/);
  });

  it("an unknown command exits 2 and shows the commands", async () => {
    const { code, stderr } = await cli(repo(GOOD), "chekc");
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "chekc"');
    expect(stderr).toContain("check [PATHS…]");
  });

  it("usage errors say what was wrong and how to fix it", async () => {
    const dir = repo(GOOD);
    expect((await cli(dir, "check", "--format", "xml")).stderr).toContain('--format must be one of text, json, github; got "xml"');
    expect((await cli(dir, "check", "--config", "nope.yml")).stderr).toMatch(/`nope.yml` does not exist[\s\S]*hint:/);
    const folder = await cli(dir, "check", "--config", "manifests");
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("is a folder, where a file was expected");
    expect(folder.stderr).not.toMatch(/^\s+at /m);
  });

  it("--format json has exactly {findings, summary} with DESIGN §5's finding fields", async () => {
    const { code, stdout } = await cli(repo({ ...GOOD, ...WITH_ERROR, ...WARNING_ONLY }), "check", "--format", "json");
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as { findings: Record<string, unknown>[]; summary: Record<string, number> };
    expect(Object.keys(out).sort()).toEqual(["findings", "summary"]);
    expect(out.summary).toEqual({ errors: 1, warnings: 1, notices: 0, files: 4 });
    for (const f of out.findings) expect(Object.keys(f).sort()).toEqual(FINDING_KEYS);
    expect(out.findings.map((f) => [f.file, f.line, f.column, f.severity, f.code])).toEqual([
      ["manifests/bad.yaml", 4, 5, "error", "required-pattern"],
      ["manifests/warn.yaml", 3, 1, "warning", "schema-unknown-key"],
    ]);
    expect(out.findings[1]?.message).toContain("Did you mean `required_tools`?");
  });

  it("--format json reports the broken config as a finding too, and exits 2", async () => {
    const { code, stdout } = await cli(repo({ ...GOOD, "apprentice-tools.yml": "targets: [curser]\n" }), "check", "--format", "json");
    expect(code).toBe(2);
    const out = JSON.parse(stdout) as { findings: { file: string; code: string; line: number; column: number }[] };
    expect(out.findings).toEqual([expect.objectContaining({ file: "apprentice-tools.yml", code: "config-unknown-target", line: 1, column: 11 })]);
  });

  it("text output is file:line:col: severity: message [code], with the line underlined", async () => {
    const { stdout } = await cli(repo(WITH_ERROR), "check");
    expect(stdout).toContain("manifests/bad.yaml:4:5: error: `read_*` in required_tools is a pattern");
    expect(stdout).toContain("[required-pattern]");
    expect(stdout).toContain("   4 |   - read_*\n     |     ^^^^^^");
    expect(stdout).toContain("✗ 1 manifest checked: 1 error, 0 warnings, 0 notices.");
  });

  it("a long line is shown around the finding, cut with …, the mark still under it", async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `tool_${i}`);
    const { stdout } = await cli(repo({ "manifests/big.yaml": `apprentice_type: big\ndescription: d\nrequired_tools: [${many.join(", ")}, read_*]\n` }), "check");
    const lines = stdout.split("\n");
    const at = lines.findIndex((l) => l.endsWith("[required-pattern]"));
    const [shown, mark] = lines.slice(at + 1) as [string, string];
    expect(shown.length).toBeLessThan(180);
    expect(shown).toMatch(/^ {3}3 \| …\S.*, read_\*\]$/);
    // The mark sits under `read_*` in the cut line.
    expect(shown.slice(mark.indexOf("^"), mark.length)).toBe("read_*");
    // Thousands of findings on one line: each shows the line once, cut.
    const crowd = Array.from({ length: 5000 }, (_, i) => `p${i}_*`);
    const r = await cli(repo({ "manifests/crowd.yaml": `apprentice_type: crowd\ndescription: d\nrequired_tools: [${crowd.join(", ")}]\n` }), "check");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("✗ 1 manifest checked: 5000 errors");
    expect(Math.max(...r.stdout.split("\n").map((l) => l.length))).toBeLessThan(400);
  });

  it("--format github prints workflow annotations", async () => {
    const { stdout } = await cli(repo(WITH_ERROR), "check", "--format", "github");
    expect(stdout).toMatch(/^::error file=manifests\/bad.yaml,line=4,col=5,endLine=4,endColumn=11,title=required-pattern::/);
  });
});

const PLAN_KEYS = ["apprentice_type", "capacity", "excluded", "file", "status", "substitutions", "tokens", "tools"];

describe("plan and provision", () => {
  it("plan --format json has DESIGN §5's shape", async () => {
    const { code, stdout } = await cli(repo(GOOD), "plan", "--format", "json");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { limits: object; apprentices: Record<string, unknown>[] };
    expect(Object.keys(plan).sort()).toEqual(["apprentices", "limits"]);
    expect(plan.limits).toEqual({ max_tools: 50, safety_margin: 5, max_tokens: null });
    for (const a of plan.apprentices) expect(Object.keys(a).sort()).toEqual(PLAN_KEYS);
    expect(plan.apprentices.map((a) => [a.apprentice_type, a.status, a.tools])).toEqual([
      ["reviewer", "ok", ["read_file", "grep", "glob", "bash"]],
      ["writer", "ok", ["read_file", "write_file"]],
    ]);
  });

  it("absolute paths (manifests, --config, --catalog) are read as the same paths relative to the working directory", async () => {
    const dir = repo({ ...GOOD, "conf/at.yml": "limits:\n  max_tools: 9\n", "tools/core.json": JSON.stringify({ tools: [{ name: "read_file" }, { name: "grep" }, { name: "write_file" }] }) });
    const relative = await cli(dir, "plan", "manifests/reviewer.yaml", "--config", "conf/at.yml", "--catalog", "tools", "--format", "json");
    const absolute = await cli(dir, "plan", join(dir, "manifests/reviewer.yaml"), "--config", join(dir, "conf/at.yml"), "--catalog", join(dir, "tools"), "--format", "json");
    expect(absolute).toEqual(relative);
    expect(JSON.parse(relative.stdout)).toMatchObject({ limits: { max_tools: 9 }, apprentices: [{ apprentice_type: "reviewer", tools: ["read_file", "grep"], excluded: [{ tool: "glob", reason: "unavailable" }, { tool: "bash", reason: "unavailable" }] }] });
    // A folder given as an absolute path, the working directory itself included.
    const check = await cli(dir, "check", "manifests", "--format", "json");
    expect(await cli(dir, "check", join(dir, "manifests"), "--format", "json")).toEqual(check);
    expect(await cli(dir, "check", dir, "--format", "json")).toEqual(await cli(dir, "check", ".", "--format", "json"));
  });

  it.each(["constructor", "__defineGetter__", "toString", "hasOwnProperty", "valueOf", "__proto__"])("a tool named %s is a tool like any other, wherever it is listed", async (name) => {
    const dir = repo({
      "manifests/a.yaml": `apprentice_type: a\ndescription: d\nrequired_tools: [read_file, ${name}]\noptional_tools: [grep]\nalternatives: { read_file: [grep] }\ntool_notes: { grep: "search" }\n`,
      "manifests/b.yaml": `apprentice_type: b\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [${name}]\n`,
      "manifests/catalog/core.json": JSON.stringify(["read_file", "grep"]),
      "apprentice-tools.yml": "targets: [claude-code, vscode]\n",
    });
    const check = await cli(dir, "check", "--format", "json");
    expect(check.stderr).toBe("");
    const findings = (JSON.parse(check.stdout) as { findings: { file: string; code: string; message: string }[] }).findings;
    // Unknown to the catalog, as any other name would be: an error where required, a warning where optional.
    expect(findings.filter((f) => f.message.includes(`\`${name}\``)).map((f) => [f.file, f.code])).toEqual([
      ["manifests/a.yaml", "required-unknown"],
      ["manifests/b.yaml", "optional-unknown"],
    ]);
    const plan = await cli(dir, "plan", "--format", "json");
    expect(plan.stderr).toBe("");
    expect((JSON.parse(plan.stdout) as { apprentices: { tools: string[] }[] }).apprentices.map((a) => a.tools)).toEqual([["read_file", "grep"], ["read_file"]]);
    for (const format of ["names", "json", "claude-code", "vscode", "gemini", "openai"]) {
      const r = await cli(dir, "provision", "b", "--format", format);
      expect(r.stderr.includes("unexpectedly"), `${format}: ${r.stderr}`).toBe(false);
    }
  });

  it("plan honours --max-tools and --safety-margin", async () => {
    const { stdout } = await cli(repo(GOOD), "plan", "--format", "json", "--max-tools", "5", "--safety-margin", "2");
    const plan = JSON.parse(stdout) as { limits: object; apprentices: { tools: string[]; excluded: unknown[] }[] };
    expect(plan.limits).toEqual({ max_tools: 5, safety_margin: 2, max_tokens: null });
    expect(plan.apprentices[0]?.tools).toEqual(["read_file", "grep", "glob"]);
    expect(plan.apprentices[0]?.excluded).toEqual([{ tool: "bash", reason: "over_limit" }]);
  });

  it("plan text and markdown show the capacity bar", async () => {
    const dir = repo(GOOD);
    expect((await cli(dir, "plan")).stdout).toContain("░ 4/45 tools");
    expect((await cli(dir, "plan", "--format", "markdown")).stdout).toMatch(/## Provisioning plan[\s\S]*`█+░+ 4\/45`/);
  });

  it("provision TYPE --format names prints one tool per line", async () => {
    const { code, stdout, stderr } = await cli(repo(GOOD), "provision", "reviewer", "--format", "names");
    expect([code, stdout, stderr]).toEqual([0, "read_file\ngrep\nglob\nbash\n", ""]);
  });

  it("provision of an unknown type exits 2 with a did-you-mean", async () => {
    const { code, stderr } = await cli(repo(GOOD), "provision", "reviewr", "--format", "names");
    expect(code).toBe(2);
    expect(stderr).toContain('No manifest for apprentice type "reviewr". Did you mean "reviewer"?');
    expect(stderr).toContain("Known types: reviewer, writer");
  });

  it("provision without a type, or with two, is a usage error", async () => {
    const dir = repo(GOOD);
    expect((await cli(dir, "provision")).code).toBe(2);
    expect((await cli(dir, "provision", "reviewer", "writer")).code).toBe(2);
  });
});

describe("plan --base", () => {
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd, stdio: "pipe" });

  it("reports per-apprentice changes against HEAD~1", async () => {
    const dir = repo(GOOD);
    git(dir, "init", "-q");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "one");
    write(dir, {
      "manifests/reviewer.yaml": GOOD["manifests/reviewer.yaml"].replace("[glob, bash]", "[glob, web_fetch]"),
      "manifests/tester.yaml": "apprentice_type: tester\ndescription: Tests\nrequired_tools: [bash]\n",
    });
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "two");
    const { code, stdout } = await cli(dir, "plan", "--base", "HEAD~1", "--format", "json");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { apprentices: Record<string, unknown>[] };
    for (const a of plan.apprentices) expect(Object.keys(a).sort()).toEqual([...PLAN_KEYS, "changes"].sort());
    expect(plan.apprentices.map((a) => [a.apprentice_type, a.changes])).toEqual([
      ["reviewer", { added: ["web_fetch"], removed: ["bash"] }],
      ["tester", { added: ["bash"], removed: [] }],
      ["writer", { added: [], removed: [] }],
    ]);
    const text = await cli(dir, "plan", "--base", "HEAD~1");
    expect(text.stdout).toContain("Changes since HEAD~1:");
    expect(text.stdout).toContain("  + web_fetch  (optional)");
    expect(text.stdout).toContain("  - bash  (no longer listed)");
  });

  it("a base that does not exist is a usage error with a hint", async () => {
    const dir = repo(GOOD);
    git(dir, "init", "-q");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "only");
    const { code, stderr } = await cli(dir, "plan", "--base", "HEAD~1");
    expect(code).toBe(2);
    expect(stderr).toContain("`HEAD~1` does not exist");
    expect(stderr).toContain("hint:");
  });

  it("outside a git repository, --base says so", async () => {
    const { code, stderr } = await cli(repo(GOOD), "plan", "--base", "main");
    expect(code).toBe(2);
    expect(stderr).toMatch(/not a git repository/i);
  });
});

describe("the CLI as a process", () => {
  it("--version is package.json's version, from the sources and from the bundle bin/ runs", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect((await cli(REPO_ROOT, "--version")).stdout).toBe(`${version}\n`);
    // Bundled as `npm run build` bundles build/cli: the code is in chunks one folder deeper
    // than package.json would be found from build/src/cli, and nothing may depend on that.
    const entry = await bundleCli(temps);
    const bundled = spawnSync(process.execPath, [entry, "--version"], { cwd: tmpdir(), encoding: "utf8", timeout: 60_000 });
    expect(bundled.stdout, bundled.stderr).toBe(`${version}\n`);
    const checked = spawnSync(process.execPath, [entry, "check", "manifests"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
  });

  it("`check manifests` on the repository's own manifests exits 0", () => {
    // Runs the sources through tsx, the way bin/apprentice-tools.js runs build/: no
    // dependence on a fresh build.
    const entry = 'const { runCli } = await import("./src/cli/main.ts"); process.exitCode = await runCli(process.argv.slice(1), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), cwd: process.cwd(), env: process.env });';
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", entry, "check", "manifests"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✓ \d+ manifests checked: 0 errors/);
  });
});
