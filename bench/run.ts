/**
 * `npm run bench`: the real CLI against schema-only validation, side by side.
 *
 *   (a) `apprentice-tools check DIR --catalog CAT` then `plan DIR --catalog CAT --format json`
 *       (two processes, as a user runs them), 10,000 manifests, 5,000-tool catalog;
 *   (b) ajv-cli validating the same files against the manifest JSON Schema;
 *   (c) `node -e 0`, the start-up floor;
 *   (d) the bundled action (dist/index.js) on the repository's own manifests/.
 *
 * Every case runs BENCH_ROUNDS times (default 5), interleaved round by round so that
 * a busy machine slows all of them alike; the table shows medians. Wall time is what
 * a user waits; CPU time (user + system) is shown too because the machine may be shared.
 * Peak memory is the maximum resident set size reported by /usr/bin/time.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ManifestSchema } from "../src/core/manifest-schema.js";
import { ensureCorpus, type Corpus } from "./generate.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const TIME_BIN = "/usr/bin/time";
const HAS_TIME = existsSync(TIME_BIN);
const work = mkdtempSync(join(tmpdir(), "apprentice-bench-"));

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssKb: number;
  code: number | null;
}

interface Case {
  id: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes (a file, as a user would redirect a JSON plan). */
  stdoutFile: string;
  expectCode?: number;
}

function node(...args: string[]): string[] {
  return [process.execPath, ...args];
}

/** Runs one command under /usr/bin/time (when present) and measures it. */
function measure(c: Case): Sample {
  const out = openSync(c.stdoutFile, "w");
  const timeFile = join(work, "time.txt");
  const argv = HAS_TIME ? [TIME_BIN, "-f", "%U %S %M", "-o", timeFile, ...c.argv] : c.argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: ROOT, env: c.env ?? process.env, stdio: ["ignore", out, "pipe"], maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  closeSync(out);
  let cpuMs = NaN;
  let rssKb = NaN;
  if (HAS_TIME && existsSync(timeFile)) {
    const last = readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "";
    const [user, sys, rss] = last.split(/\s+/).map(Number);
    cpuMs = ((user ?? NaN) + (sys ?? NaN)) * 1000;
    rssKb = rss ?? NaN;
  }
  if (c.expectCode !== undefined && r.status !== c.expectCode) {
    const err = r.stderr?.toString().trim().split("\n").slice(-8).join("\n");
    console.warn(`! ${c.id} exited ${r.status} (expected ${c.expectCode})${err ? `:\n${err}` : ""}`);
  }
  return { wallMs, cpuMs, rssKb, code: r.status };
}

function median(xs: readonly number[]): number {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function ensureSchema(): string {
  const committed = join(ROOT, "schema", "manifest.schema.json");
  if (existsSync(committed)) return committed;
  // Not generated yet: make it as scripts/generate-schema.ts would, into a temp file.
  const file = join(work, "manifest.schema.json");
  writeFileSync(file, JSON.stringify(z.toJSONSchema(ManifestSchema, { io: "input" }), null, 2));
  return file;
}

const CACHE_DIR = join(ROOT, "node_modules", ".cache", "apprentice-tools");

/** A sequence measured as one (check then plan), run in this order. */
interface Group {
  id: string;
  cases: Case[];
  /** Done before the group, not timed. */
  before?: () => void;
}

function cliGroups(corpus: Corpus, label: string, withNoCache: boolean): { cold: Group; warm: Group; noCache?: Group; ajv: Group } {
  const dir = relative(ROOT, corpus.manifestsDir);
  const cat = relative(ROOT, corpus.catalogDir);
  const bin = join(ROOT, "bin", "apprentice-tools.js");
  const pair = (mode: string, extra: string[]): Case[] => [
    { id: `check ${mode} ${label}`, argv: node(bin, "check", dir, "--catalog", cat, ...extra), stdoutFile: join(work, `check-${mode}-${label}.txt`), expectCode: 0 },
    { id: `plan ${mode} ${label}`, argv: node(bin, "plan", dir, "--catalog", cat, "--format", "json", ...extra), stdoutFile: join(work, `plan-${mode}-${label}.json`), expectCode: 0 },
  ];
  const groups = {
    // A first run: nothing cached; the check parses everything, the plan reuses its work.
    cold: { id: `cold ${label}`, cases: pair("cold", []), before: () => rmSync(CACHE_DIR, { recursive: true, force: true }) },
    // Run again with nothing changed (a local loop, or CI with node_modules cached).
    warm: { id: `warm ${label}`, cases: pair("warm", []) },
    ajv: {
      id: `ajv ${label}`,
      cases: [{ id: `ajv ${label}`, argv: node(join(ROOT, "node_modules", "ajv-cli", "dist", "index.js"), "validate", "--spec=draft2020", "-s", schemaFile, "-d", `${dir}/*.yaml`), stdoutFile: join(work, `ajv-${label}.txt`), expectCode: 0 }],
    },
  };
  // Each command parses everything itself (no cache at all).
  return withNoCache ? { ...groups, noCache: { id: `no-cache ${label}`, cases: pair("no-cache", ["--no-cache"]) } } : groups;
}

function actionCase(): Case | undefined {
  const dist = join(ROOT, "dist", "index.js");
  if (!existsSync(dist)) return undefined;
  const outputs = join(work, "github-output.txt");
  const summary = join(work, "step-summary.md");
  writeFileSync(outputs, "");
  writeFileSync(summary, "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: ROOT,
    GITHUB_REPOSITORY: "mallku/apprentice-tools",
    GITHUB_EVENT_NAME: "push",
    GITHUB_OUTPUT: outputs,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: work,
    INPUT_MANIFESTS: "manifests",
    INPUT_CATALOG: "manifests/catalog",
    "INPUT_FAIL-ON": "error",
    INPUT_COMMENT: "false",
    "INPUT_GITHUB-TOKEN": "",
  };
  return { id: "action", argv: node(dist), env, stdoutFile: join(work, "action.txt"), expectCode: 0 };
}

const schemaFile = ensureSchema();

function main(): void {
  console.log("Building the CLI (npm run -s build)…");
  const build = spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) {
    if (!existsSync(join(ROOT, "build", "src", "cli", "main.js"))) throw new Error("npm run build failed");
    console.warn("! npm run build reported errors (above); measuring what it emitted.");
  }
  const big = ensureCorpus(10_000, 5_000);
  const small = ensureCorpus(1_000, 5_000);
  const g10 = cliGroups(big, "10k", true);
  const g1 = cliGroups(small, "1k", false);
  const floor: Group = { id: "node -e 0", cases: [{ id: "node -e 0", argv: node("-e", "0"), stdoutFile: join(work, "node.txt"), expectCode: 0 }] };
  const action = actionCase();
  const groups: Group[] = [g10.cold, g10.warm, g10.noCache as Group, g10.ajv, floor, g1.cold, g1.warm, g1.ajv, ...(action ? [{ id: "action", cases: [action] }] : [])];
  const samples = new Map<string, Sample[]>(groups.flatMap((g) => g.cases.map((c) => [c.id, []] as [string, Sample[]])));
  const runGroup = (g: Group, record: boolean) => {
    g.before?.();
    for (const c of g.cases) {
      const sample = measure(c);
      if (record) samples.get(c.id)?.push(sample);
    }
  };

  console.log(`${cpus().length} CPUs (${availableParallelism()} usable), load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${ROUNDS} rounds.`);
  // One unrecorded pass first, so that no round pays for a cold page cache.
  for (const g of groups) runGroup(g, false);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so that no group always runs right after another.
    for (let i = 0; i < groups.length; i++) runGroup(groups[(i + round) % groups.length] as Group, true);
    process.stdout.write(`  round ${round + 1}/${ROUNDS} done (load average ${loadavg()[0]?.toFixed(1)})\n`);
  }

  const list = (id: string) => samples.get(id) ?? [];
  const med = (id: string, key: keyof Sample) => median(list(id).map((s) => s[key] as number));
  /** The group's total per round, then the median of those totals. */
  const total = (g: Group, key: "wallMs" | "cpuMs") => median(list(g.cases[0]?.id ?? "").map((_, i) => g.cases.reduce((sum, c) => sum + (list(c.id)[i]?.[key] ?? NaN), 0)));
  const peak = (g: Group) => Math.max(...g.cases.map((c) => med(c.id, "rssKb")));
  const s = (ms: number) => (Number.isNaN(ms) ? "   n/a" : `${(ms / 1000).toFixed(2).padStart(6)} s`);
  const mb = (kb: number) => (Number.isNaN(kb) ? "   n/a" : `${(kb / 1024).toFixed(0).padStart(5)} MB`);
  const x = (r: number) => (Number.isNaN(r) ? "n/a" : `${r.toFixed(2)}×`);
  const row = (label: string, wall: number, cpu: number, rss: number, note = "") => console.log(`  ${label.padEnd(44)}${s(wall)}  ${s(cpu)}  ${mb(rss)}${note}`);
  const caseRow = (label: string, c: Case | undefined) => c && row(label, med(c.id, "wallMs"), med(c.id, "cpuMs"), med(c.id, "rssKb"));

  for (const [label, set, n] of [["10,000", g10, big], ["1,000", g1, small]] as const) {
    const ajvWall = total(set.ajv, "wallMs");
    const ajvCpu = total(set.ajv, "cpuMs");
    console.log(`\n${label} manifests × ${n.tools.toLocaleString("en-US")}-tool catalog, medians of ${ROUNDS}`.padEnd(46) + "        wall        cpu   peak RSS   (a)/(b) wall, cpu");
    const modes: [string, Group | undefined][] = [["first run (nothing cached)", set.cold], ["run again (cache warm)", set.warm], ["--no-cache", "noCache" in set ? set.noCache : undefined]];
    for (const [mode, g] of modes) {
      if (!g) continue;
      console.log(`  (a) ${mode}:`);
      caseRow("    check DIR --catalog CAT", g.cases[0]);
      caseRow("    plan DIR --catalog CAT --format json", g.cases[1]);
      row("    check + plan", total(g, "wallMs"), total(g, "cpuMs"), peak(g), `   ${x(total(g, "wallMs") / ajvWall)}, ${x(total(g, "cpuMs") / ajvCpu)}`);
    }
    row("  (b) ajv-cli validate (schema only)", ajvWall, ajvCpu, peak(set.ajv));
    row("  (c) node -e 0", total(floor, "wallMs"), total(floor, "cpuMs"), peak(floor));
    console.log(`  (a)/(c), first run: ${x(total(set.cold, "wallMs") / total(floor, "wallMs"))} wall   (target (a)/(b) ≤ 1.0, above 2.0 unacceptable; peak ≤ 300 MB)`);
  }
  const a10 = total(g10.cold, "wallMs");
  const a1 = total(g1.cold, "wallMs");
  console.log(`\nScaling, first run: 1,000 → 10,000 manifests: ${s(a1).trim()} → ${s(a10).trim()} (${x(a10 / a1)} the time for 10× the manifests); peak memory ${mb(peak(g1.cold)).trim()} → ${mb(peak(g10.cold)).trim()}`);
  if (action) {
    const ratio = med(action.id, "wallMs") / total(floor, "wallMs");
    console.log(`(d) action (dist/index.js) on manifests/: ${s(med(action.id, "wallMs")).trim()} wall, ${mb(med(action.id, "rssKb")).trim()} vs node -e 0 ${s(total(floor, "wallMs")).trim()} → ${x(ratio)} (target ≤ 3×)`);
  } else {
    console.log("(d) action: skipped, dist/index.js does not exist yet (npm run bundle builds it).");
  }
}

try {
  main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
