import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { PLANNED_JSON, type ReusedApprenticePlan } from "../../src/core/plan.js";
import { workingTree } from "../../src/io/file-source.js";
import { loadRepository } from "../../src/library.js";
import { PARALLEL_MIN_FILES } from "../../src/io/parallel-check.js";
import { readSealed, writeSealed } from "../../src/io/sealed-file.js";
import { bundleCli } from "../support/cli-bundle.js";

/**
 * The cache (node_modules/.cache/apprentice-tools) and the threads may change how fast a
 * result comes, never the result: every output here is compared with a run that has
 * neither (`--no-cache`, in process).
 */

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const SERVERS = ["fs", "git", "web"];
const VERBS = ["read", "write", "list", "search", "delete", "get", "create"];
const NOUNS = ["file", "dir", "commit", "branch", "page", "issue", "tag"];
const TOOLS = SERVERS.flatMap((server, s) => VERBS.flatMap((v, i) => NOUNS.map((n, j) => ({ server, name: `${server}_${v}_${n}`, description: `${v} a ${n} (${(s * 7 + i * 3 + j) % 11} options)` }))));

/** A deterministic manifest that exercises a part of the rules picked by `i`. */
function manifest(i: number): [string, string] {
  const type = `apprentice_${String(i).padStart(4, "0")}`;
  const pick = (k: number) => TOOLS[(i * 7 + k * 13) % TOOLS.length]?.name as string;
  const lines = [`# Manifest ${i}`, `apprentice_type: ${i % 97 === 5 ? "apprentice_0001" : type}`, `description: "Apprentice number ${i}"`, "required_tools:"];
  for (let k = 0; k < 2 + (i % 3); k++) lines.push(`  - ${pick(k)}${k === 0 ? "   # first" : ""}`);
  if (i % 11 === 3) lines.push("  - no_such_tool");
  lines.push("optional_tools:");
  for (let k = 3; k < 8 + (i % 9); k++) lines.push(`  - ${pick(k)}`);
  lines.push(`  - ${SERVERS[i % 3]}_${VERBS[i % 7]}_*`);
  if (i % 4 === 0) lines.push(`  - mcp__${SERVERS[(i + 1) % 3]}`);
  if (i % 13 === 2) lines.push("  - nothing_matches_*");
  lines.push("forbidden_tools:", `  - ${SERVERS[(i + 2) % 3]}_delete_*`);
  if (i % 17 === 4) lines.push(`  - ${pick(0)}`);
  if (i % 5 === 1) lines.push("alternatives:", `  no_such_tool: [${pick(9)}]`, `  ${pick(3)}: [${pick(10)}]`);
  if (i % 6 === 2) lines.push("tool_notes:", `  ${pick(1)}: "why it is given"`, "  unlisted_tool: note");
  if (i % 7 === 3) lines.push("limits:", `  max_tools: ${8 + (i % 5)}`);
  if (i % 19 === 6) lines.push("limits: { max_tokens: 400 }");
  if (i % 23 === 7) lines.push("feedback: &f { channel: issues }");
  if (i % 29 === 8) lines.push("required_tools: [again]");
  if (i % 31 === 9) lines.push("unknown_key: 1");
  return [`manifests/${type}.yaml`, `${lines.join("\n")}\n`];
}

function makeRepo(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-cache-"));
  temps.push(dir);
  const files: Record<string, string> = Object.fromEntries(Array.from({ length: count }, (_, i) => manifest(i)));
  files["manifests/broken.yaml"] = "apprentice_type: broken\ndescription: [unclosed\n";
  files["manifests/not_a_mapping.yaml"] = "- just\n- a list\n";
  for (const server of SERVERS) {
    files[`manifests/catalog/${server}.json`] = JSON.stringify({ tools: TOOLS.filter((t) => t.server === server).map((t) => ({ name: t.name, description: t.description, inputSchema: { type: "object", properties: { path: { type: "string" } } } })) });
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(join(dir, "node_modules"));
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function inProcess(cwd: string, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env });
  return { code, stdout, stderr };
}

/** The CLI as a process of its own (see bundleCli). */
let bundled: string | undefined;
async function cliBundle(): Promise<string> {
  return (bundled ??= await bundleCli(temps));
}

async function ownProcess(cwd: string, argv: string[], threads: number): Promise<Run> {
  const r = spawnSync(process.execPath, [await cliBundle(), ...argv], {
    cwd,
    env: { PATH: process.env.PATH, APPRENTICE_TOOLS_THREADS: String(threads), APPRENTICE_TOOLS_REPORT_THREADS: "1" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const COMMANDS: string[][] = [
  ["check", "--format", "json"],
  ["plan", "--format", "json"],
  ["plan"],
  ["plan", "--format", "markdown"],
  ["plan", "--task", "search the git history for a commit", "--format", "json"],
  ["provision", "apprentice_0003", "--format", "json"],
  ["check"],
];

/** Ways a cache file can be damaged: cut short (early, or halfway), a byte changed halfway, a byte put in front, another file entirely. */
const DAMAGES = [
  (b: Buffer) => b.subarray(0, 40),
  (b: Buffer) => b.subarray(0, b.length >> 1),
  (b: Buffer) => Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from([b[b.length >> 1]! ^ 0x01]), b.subarray((b.length >> 1) + 1)]),
  (b: Buffer) => Buffer.concat([Buffer.from("x"), b]),
  () => Buffer.from("apprentice-tools plan output 1\n{}\n{}"),
];

const cacheDir = (repo: string) => join(repo, "node_modules", ".cache", "apprentice-tools");

/** Each of `commands` (COMMANDS unless told) run in process with `--no-cache`, in order. */
async function baseline(repo: string, commands: readonly string[][] = COMMANDS): Promise<Run[]> {
  const out: Run[] = [];
  for (const argv of commands) out.push(await inProcess(repo, [...argv, "--no-cache"]));
  return out;
}

describe("results with the cache are the results without it", () => {
  it("cold, warm, after an edit, and from a damaged cache file", async () => {
    const repo = makeRepo(60);
    // Let the files settle: only a file unchanged for a while is trusted by its stamp.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expected = await baseline(repo);
    // The repository has findings of every severity, so that statuses and exit codes are at stake.
    const check = JSON.parse(expected[0]?.stdout ?? "{}") as { summary: Record<string, number> };
    expect(check.summary).toMatchObject({ errors: expect.any(Number), warnings: expect.any(Number) });
    expect(Object.values(check.summary).every((n) => n > 0)).toBe(true);
    const statuses = new Set((JSON.parse(expected[1]?.stdout ?? "{}") as { apprentices: { status: string }[] }).apprentices.map((a) => a.status));
    expect([...statuses].sort()).toEqual(["degraded", "invalid", "ok"]);

    const runAll = async () => {
      const out: Run[] = [];
      for (const argv of COMMANDS) out.push(await inProcess(repo, argv));
      return out;
    };
    // Cold: the check fills the cache (plan entries included), every later command reads it.
    expect(await runAll()).toEqual(expected);
    const files = readdirSync(cacheDir(repo));
    expect(files.some((f) => f.startsWith("check-"))).toBe(true);
    expect(files.some((f) => f.startsWith("tokens-"))).toBe(true);
    // Warm.
    expect(await runAll()).toEqual(expected);
    // Files settled before the check read them are found by their stamps (size, inode,
    // change and modification times) and not read again.
    const reads: string[] = [];
    const tree = workingTree(repo);
    const counting = { ...tree, read: async (path: string) => (reads.push(path), tree.read(path)) };
    await loadRepository(counting, { cacheDir: cacheDir(repo) });
    expect(reads.filter((p) => p.startsWith("manifests/") && !p.startsWith("manifests/catalog/"))).toEqual([]);
    // The plan took the check's entries rather than provisioning again: all but those
    // under a token budget (max_tokens, which needs token counts the check does not make).
    const repoNow = await loadRepository(repo, { cacheDir: cacheDir(repo) });
    const reused = repoNow.plan().apprentices.filter((a) => (a as ReusedApprenticePlan)[PLANNED_JSON] !== undefined);
    const budgeted = repoNow.check.checked.filter((c) => c.manifest?.limits.max_tokens !== undefined).length;
    expect(budgeted).toBeGreaterThan(0);
    expect(reused.length).toBe(repoNow.plan().apprentices.length - budgeted);

    // Files touched but not changed: their stamps no longer match, so they are read and
    // hashed, and found by their content.
    const now = new Date();
    for (const f of readdirSync(join(repo, "manifests"))) if (f.endsWith(".yaml")) utimesSync(join(repo, "manifests", f), now, now);
    expect(await runAll()).toEqual(expected);
    const touched = await loadRepository(repo, { cacheDir: cacheDir(repo) });
    expect(touched.plan().apprentices.filter((a) => (a as ReusedApprenticePlan)[PLANNED_JSON] !== undefined).length).toBe(reused.length);

    // One file edited: only its results change, and exactly as without the cache.
    const [path, text] = manifest(3);
    writeFileSync(join(repo, path), text.replace("optional_tools:\n", "optional_tools:\n  - web_get_page\n"));
    const edited = await baseline(repo);
    expect(edited[1]?.stdout).not.toEqual(expected[1]?.stdout);
    expect(await runAll()).toEqual(edited);

    // A damaged or foreign cache file is a miss, not a wrong answer: every file of the
    // cache, the kept plan included (once the edited file has settled, a plan is kept).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    for (const damage of DAMAGES) {
      expect(await runAll()).toEqual(edited);
      expect(readdirSync(cacheDir(repo)).sort()).toEqual(["check-", "plan.bin", "tokens-"].map((f) => expect.stringMatching(`^${f}`)));
      for (const f of readdirSync(cacheDir(repo))) writeFileSync(join(cacheDir(repo), f), damage(readFileSync(join(cacheDir(repo), f))));
      expect(await runAll()).toEqual(edited);
    }
  });

  it("a cache that cannot be written costs speed only", async () => {
    const repo = makeRepo(20);
    const expected = await baseline(repo);
    mkdirSync(cacheDir(repo), { recursive: true });
    chmodSync(cacheDir(repo), 0o500);
    try {
      for (const [k, argv] of COMMANDS.entries()) expect(await inProcess(repo, argv)).toEqual(expected[k]);
    } finally {
      chmodSync(cacheDir(repo), 0o700);
    }
  });
});

describe("a plan kept from the last run", () => {
  it("is written again while nothing it depends on changed, and only then", async () => {
    const repo = makeRepo(30);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const kept = join(cacheDir(repo), "plan.bin");
    // A plan keeps what it wrote (every file has settled; so does a check of many files,
    // when its threads counted the tokens, see below); marked, so that using it shows.
    const json = ["plan", "--format", "json"];
    expect(await inProcess(repo, json)).toEqual(await inProcess(repo, [...json, "--no-cache"]));
    // Marked and sealed again, as a kept plan with other contents would be.
    const mark = () => {
      const buf = readSealed(kept)?.content ?? Buffer.alloc(0);
      const body = buf.indexOf(0x0a, buf.indexOf(0x0a) + 1) + 1;
      writeSealed(kept, (out) => out(Buffer.concat([buf.subarray(0, body), Buffer.from("marked "), buf.subarray(body)])));
    };
    mark();
    const plain = await inProcess(repo, json);
    expect(plain.stdout.startsWith("marked {")).toBe(true);
    // The exit code is the one the plan would give: --fail-on error with errors in the manifests.
    expect((await inProcess(repo, [...json, "--fail-on", "error"])).code).toBe(1);
    expect((await inProcess(repo, [...json, "--fail-on", "never"])).code).toBe(0);

    // Anything else it depends on changed: planned afresh, exactly as without a cache.
    const afresh = async (argv: string[]) => {
      mark();
      const run = await inProcess(repo, argv);
      expect(run).toEqual(await inProcess(repo, [...argv, "--no-cache"]));
      expect(run.stdout.startsWith("marked")).toBe(false);
    };
    // A damaged or foreign kept plan is not used: cut short (in its header or its plan), a
    // byte changed in the plan, a byte put in front, another format.
    for (const damage of DAMAGES) {
      mark();
      writeFileSync(kept, damage(readFileSync(kept)));
      expect(await inProcess(repo, json)).toEqual(await inProcess(repo, [...json, "--no-cache"]));
    }
    await afresh([...json, "--max-tools", "7"]);
    await afresh([...json, "--task", "read files"]);
    await afresh(["plan", "manifests/apprentice_0001.yaml", "--format", "json"]);
    writeFileSync(join(repo, "manifests/catalog/web.json"), JSON.stringify({ tools: [{ name: "web_read_page" }] }));
    await afresh(json);
    writeFileSync(join(repo, "apprentice-tools.yml"), "limits:\n  max_tools: 9\n");
    await afresh(json);
    const [path, text] = manifest(30);
    writeFileSync(join(repo, path), text);
    await afresh(json);
    // A file changed so recently that its stamp cannot vouch for it: not kept, not used.
    writeFileSync(join(repo, path), text.replace("optional_tools:\n", "optional_tools:\n  - web_read_page\n"));
    await inProcess(repo, json);
    await afresh(json);
  });

  it("is not made again by a run with nothing changed, unless it was damaged", async () => {
    const repo = makeRepo(30);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const kept = join(cacheDir(repo), "plan.bin");
    const json = ["plan", "--format", "json"];
    const expected = await inProcess(repo, [...json, "--no-cache"]);
    await inProcess(repo, json);
    // Sealed files are replaced whole (a new file renamed over the old): the same inode means not written.
    const first = statSync(kept);
    for (const argv of [["check"], json, ["check", "--format", "json"]]) {
      await inProcess(repo, argv);
      expect(statSync(kept).ino).toBe(first.ino);
    }
    // Damaged (a byte changed in the plan), with the same inputs: the next check writes it anew.
    writeFileSync(kept, DAMAGES[2]!(readFileSync(kept)));
    expect(readSealed(kept)?.intact()).toBe(false);
    await inProcess(repo, ["check"]);
    expect(readSealed(kept)?.intact()).toBe(true);
    expect(statSync(kept).ino).not.toBe(first.ino);
    expect(await inProcess(repo, json)).toEqual(expected);
  });
});

describe("results on several threads are the results on one", () => {
  it(`${PARALLEL_MIN_FILES + 100} manifests, checked by worker threads, with and without the cache`, async () => {
    const repo = makeRepo(PARALLEL_MIN_FILES + 100);
    // The baseline of the commands run on threads below, and of no others (each is a full
    // check or plan of 600 manifests).
    const threadedCommands = [COMMANDS[0], COMMANDS[1], COMMANDS[2], COMMANDS[4]] as string[][];
    const baselines = await baseline(repo, threadedCommands);
    const expected = (argv: string[]): Run => {
      const run = baselines[threadedCommands.indexOf(argv)];
      if (!run) throw new Error(`no baseline for ${argv.join(" ")}`);
      return run;
    };
    const copy = mkdtempSync(join(tmpdir(), "apprentice-tools-cache-"));
    temps.push(copy);
    cpSync(repo, copy, { recursive: true });
    const threaded = async (dir: string, argv: string[]) => {
      const r = await ownProcess(dir, argv, 2);
      // The worker thread says on stderr how many files it checked: some, not all.
      const report = /^apprentice-tools: a worker thread checked (\d+) of (\d+) files\.\n/m.exec(r.stderr);
      return { ...r, stderr: r.stderr.replace(/^apprentice-tools: a worker thread checked.*\n/gm, ""), workerFiles: report ? Number(report[1]) : 0 };
    };
    for (const argv of [COMMANDS[0], COMMANDS[1], COMMANDS[2]] as string[][]) {
      // No cache: the threads check and the plan provisions.
      const { workerFiles, ...r } = await threaded(repo, [...argv, "--no-cache"]);
      expect(r).toEqual(expected(argv));
      expect(workerFiles).toBeGreaterThan(0);
    }
    // With the cache: the threads also make the plan entries that the plan then reuses.
    const first = await threaded(copy, COMMANDS[0] as string[]);
    expect(first.workerFiles).toBeGreaterThan(0);
    // A worker counted the catalog's tokens while the files were read: kept for the plan.
    const tokenFiles = readdirSync(cacheDir(copy)).filter((f) => f.startsWith("tokens-"));
    expect(tokenFiles).toHaveLength(1);
    const kept = JSON.parse(readSealed(join(cacheDir(copy), tokenFiles[0] as string))?.content.toString() ?? "{}") as { tokens: Record<string, number> };
    expect(Object.keys(kept.tokens).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    // With every estimate known, the check kept the plan too, if the files had settled.
    const settledByNow = Date.now() - statSync(join(copy, "manifests")).mtimeMs > 2500;
    if (settledByNow) expect(readdirSync(cacheDir(copy))).toContain("plan.bin");
    for (const argv of [COMMANDS[0], COMMANDS[1], COMMANDS[2], COMMANDS[4]] as string[][]) {
      const { workerFiles, ...r } = await threaded(copy, argv);
      expect(r).toEqual(expected(argv));
      expect(workerFiles).toBe(0); // everything came from the cache
    }
    // Touched, not changed: the threads read and hash the files, and find every check stored.
    const later = new Date(Date.now() + 5000);
    for (const f of readdirSync(join(copy, "manifests"))) if (f.endsWith(".yaml")) utimesSync(join(copy, "manifests", f), later, later);
    for (const argv of [COMMANDS[0], COMMANDS[1]] as string[][]) {
      const { workerFiles, ...r } = await threaded(copy, argv);
      expect(r).toEqual(expected(argv));
      expect(workerFiles).toBe(0);
    }

    // One checking thread (as on two cores): a plan worker makes the entries of the files
    // the main thread checks, and the plans made from them are the same.
    const alone = mkdtempSync(join(tmpdir(), "apprentice-tools-cache-"));
    temps.push(alone);
    cpSync(repo, alone, { recursive: true });
    const planReport = /^apprentice-tools: a plan worker made (\d+) plan entries\.\n/m;
    const checked = await ownProcess(alone, COMMANDS[0] as string[], 1);
    const made = planReport.exec(checked.stderr);
    expect({ ...checked, stderr: checked.stderr.replace(planReport, "") }).toEqual(expected(COMMANDS[0] as string[]));
    expect(checked.stderr).not.toMatch(/a worker thread checked/);
    // On one core there is no second thread to plan on.
    if (availableParallelism() >= 2) expect(Number(made?.[1])).toBeGreaterThan(PARALLEL_MIN_FILES);
    else expect(made).toBeNull();
    for (const argv of [COMMANDS[1], COMMANDS[2], COMMANDS[4]] as string[][]) expect(await ownProcess(alone, argv, 1)).toEqual(expected(argv));
  }, 120_000);
});
