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

function cliCases(corpus: Corpus, label: string): { check: Case; plan: Case; ajv: Case } {
  const dir = relative(ROOT, corpus.manifestsDir);
  const cat = relative(ROOT, corpus.catalogDir);
  const bin = join(ROOT, "bin", "apprentice-tools.js");
  return {
    check: { id: `check ${label}`, argv: node(bin, "check", dir, "--catalog", cat), stdoutFile: join(work, `check-${label}.txt`), expectCode: 0 },
    plan: { id: `plan ${label}`, argv: node(bin, "plan", dir, "--catalog", cat, "--format", "json"), stdoutFile: join(work, `plan-${label}.json`), expectCode: 0 },
    ajv: {
      id: `ajv ${label}`,
      argv: node(join(ROOT, "node_modules", "ajv-cli", "dist", "index.js"), "validate", "--spec=draft2020", "-s", schemaFile, "-d", `${dir}/*.yaml`),
      stdoutFile: join(work, `ajv-${label}.txt`),
      expectCode: 0,
    },
  };
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
  if (build.status !== 0) throw new Error("npm run build failed");
  const big = ensureCorpus(10_000, 5_000);
  const small = ensureCorpus(1_000, 5_000);
  const big10k = cliCases(big, "10k");
  const small1k = cliCases(small, "1k");
  const floor: Case = { id: "node -e 0", argv: node("-e", "0"), stdoutFile: join(work, "node.txt"), expectCode: 0 };
  const action = actionCase();
  const cases = [big10k.check, big10k.plan, big10k.ajv, floor, small1k.check, small1k.plan, small1k.ajv, ...(action ? [action] : [])];
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.id, []]));

  console.log(`${cpus().length} CPUs (${availableParallelism()} usable), load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${ROUNDS} rounds.`);
  // One warm-up of each so that the first round does not pay for a cold page cache.
  for (const c of cases) measure(c);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so that no case always runs right after another.
    const order = cases.map((_, i) => cases[(i + round) % cases.length] as Case);
    for (const c of order) samples.get(c.id)?.push(measure(c));
    process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
  }

  const med = (id: string, key: keyof Sample) => median((samples.get(id) ?? []).map((s) => s[key] as number));
  /** check + plan of the same round, so that the pair's median is a median of pairs. */
  const pair = (a: Case, b: Case, key: "wallMs" | "cpuMs") => median((samples.get(a.id) ?? []).map((s, i) => s[key] + ((samples.get(b.id) ?? [])[i]?.[key] ?? NaN)));
  const pairRss = (a: Case, b: Case) => Math.max(med(a.id, "rssKb"), med(b.id, "rssKb"));
  const s = (ms: number) => (Number.isNaN(ms) ? "   n/a" : `${(ms / 1000).toFixed(2).padStart(6)} s`);
  const mb = (kb: number) => (Number.isNaN(kb) ? "   n/a" : `${(kb / 1024).toFixed(0).padStart(5)} MB`);
  const x = (r: number) => (Number.isNaN(r) ? "n/a" : `${r.toFixed(2)}×`);
  const row = (label: string, wall: number, cpu: number, rss: number) => console.log(`  ${label.padEnd(34)}${s(wall)}  ${s(cpu)}  ${mb(rss)}`);

  for (const [label, set, n] of [["10,000", big10k, big], ["1,000", small1k, small]] as const) {
    console.log(`\n${label} manifests × ${n.tools.toLocaleString("en-US")}-tool catalog (medians of ${ROUNDS})     wall       cpu     peak RSS`);
    row("(a) check", med(set.check.id, "wallMs"), med(set.check.id, "cpuMs"), med(set.check.id, "rssKb"));
    row("(a) plan --format json", med(set.plan.id, "wallMs"), med(set.plan.id, "cpuMs"), med(set.plan.id, "rssKb"));
    row("(a) check + plan", pair(set.check, set.plan, "wallMs"), pair(set.check, set.plan, "cpuMs"), pairRss(set.check, set.plan));
    row("(b) ajv-cli validate (schema only)", med(set.ajv.id, "wallMs"), med(set.ajv.id, "cpuMs"), med(set.ajv.id, "rssKb"));
    row("(c) node -e 0", med(floor.id, "wallMs"), med(floor.id, "cpuMs"), med(floor.id, "rssKb"));
    const a = pair(set.check, set.plan, "wallMs");
    console.log(`  (a)/(b) = ${x(a / med(set.ajv.id, "wallMs"))} wall, ${x(pair(set.check, set.plan, "cpuMs") / med(set.ajv.id, "cpuMs"))} cpu   (target ≤ 1.0, above 2.0 unacceptable)`);
    console.log(`  (a)/(c) = ${x(a / med(floor.id, "wallMs"))} wall`);
  }
  const a10 = pair(big10k.check, big10k.plan, "wallMs");
  const a1 = pair(small1k.check, small1k.plan, "wallMs");
  console.log(`\nScaling: (a) 1,000 → 10,000 manifests: ${s(a1).trim()} → ${s(a10).trim()} (${x(a10 / a1)} the time for 10× the manifests); peak memory ${mb(pairRss(small1k.check, small1k.plan)).trim()} → ${mb(pairRss(big10k.check, big10k.plan)).trim()} (target ≤ 300 MB)`);
  if (action) {
    const ratio = med(action.id, "wallMs") / med(floor.id, "wallMs");
    console.log(`(d) action (dist/index.js) on manifests/: ${s(med(action.id, "wallMs")).trim()} wall, ${mb(med(action.id, "rssKb")).trim()} vs node -e 0 ${s(med(floor.id, "wallMs")).trim()} → ${x(ratio)} (target ≤ 3×)`);
  } else {
    console.log("(d) action: skipped, dist/index.js does not exist yet (npm run bundle builds it).");
  }
}

try {
  main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
