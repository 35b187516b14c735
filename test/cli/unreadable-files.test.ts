import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PARALLEL_MIN_FILES } from "../../src/io/parallel-check.js";
import { bundleCli } from "../support/cli-bundle.js";

// Files named like manifests, catalogs or the configuration that are not ones to read: a
// sparse file of gigabytes (it used to be read whole, and failed with ERR_FS_FILE_TOO_LARGE),
// a link to /dev/zero (never ends) and a link to a named pipe (blocks until a writer comes).
// Each is reported as a finding, and the run ends with DESIGN §5's exit code. The CLI runs
// as a process of its own with a time limit, so that a regression fails here instead of
// hanging the test run.

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const GIB = 1024 ** 3;
/** Named pipes and /dev/zero are POSIX things. */
const posix = process.platform !== "win32";

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-unreadable-"));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A sparse file of `bytes` (nothing is written: fs.truncate only sets its size). */
function sparse(path: string, bytes: number): void {
  writeFileSync(path, "");
  truncateSync(path, bytes);
}

/** A named pipe outside the globs, and `links` leading to it (globs list a link to a pipe, not a pipe itself). */
function pipeLinkedFrom(dir: string, ...links: string[]): void {
  const pipe = join(dir, "a-named-pipe");
  execFileSync("mkfifo", [pipe]);
  for (const link of links) symlinkSync(pipe, join(dir, link));
}

let bundled: string | undefined;

async function run(cwd: string, ...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  bundled ??= await bundleCli(temps);
  const r = spawnSync(process.execPath, [bundled, ...argv], { cwd, env: { PATH: process.env.PATH, APPRENTICE_TOOLS_THREADS: "2" }, encoding: "utf8", timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MANIFEST = (type: string) => `apprentice_type: ${type}\ndescription: d\nrequired_tools: [read_file]\n`;

interface JsonFinding {
  file: string;
  code: string;
  severity: string;
  message: string;
  guidance: string;
  next_steps: string[];
}

function findingsOf(stdout: string): JsonFinding[] {
  return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
}

describe.skipIf(!posix)("files that are not read", () => {
  it.each([
    ["a few manifests, no cache", 2, false],
    ["manifests enough for threads, no cache", PARALLEL_MIN_FILES + 10, false],
    ["manifests enough for threads, with the cache (cold, then warm)", PARALLEL_MIN_FILES + 10, true],
  ])("manifests: %s", async (_name, count, cache) => {
    const files = Object.fromEntries(Array.from({ length: count }, (_, i) => [`manifests/m${i}.yaml`, MANIFEST(`m${i}`)]));
    const dir = repo(files);
    if (cache) mkdirSync(join(dir, "node_modules"));
    sparse(join(dir, "manifests/big.yaml"), 3 * GIB);
    sparse(join(dir, "manifests/two.yaml"), 2 * 1024 * 1024);
    symlinkSync("/dev/zero", join(dir, "manifests/zero.yml"));
    pipeLinkedFrom(dir, "manifests/pipe.yaml");
    for (const pass of cache ? ["cold", "warm"] : ["only"]) {
      const out = await run(dir, "check", "--format", "json");
      expect(out.code, `${pass}: ${out.stderr}`).toBe(1);
      expect(out.stderr).toBe("");
      const findings = findingsOf(out.stdout);
      expect(findings.map((f) => [f.file, f.code, f.severity])).toEqual([
        ["manifests/big.yaml", "file-too-large", "error"],
        ["manifests/pipe.yaml", "file-not-regular", "error"],
        ["manifests/two.yaml", "file-too-large", "error"],
        ["manifests/zero.yml", "file-not-regular", "error"],
      ]);
      const [big, pipe, two, zero] = findings as [JsonFinding, JsonFinding, JsonFinding, JsonFinding];
      expect(big.message).toBe("manifests/big.yaml is 3,221,225,472 bytes (3072.0 MiB); files over 1 MiB (1,048,576 bytes) are not read.");
      expect(two.message).toBe("manifests/two.yaml is 2,097,152 bytes (2.0 MiB); files over 1 MiB (1,048,576 bytes) are not read.");
      expect(pipe.message).toBe("manifests/pipe.yaml is a named pipe (FIFO), not a regular file, so it is not read.");
      expect(zero.message).toBe("manifests/zero.yml is a character device, not a regular file, so it is not read.");
      expect(zero.next_steps.join(" ")).toContain("manifests folder");
      expect((JSON.parse(out.stdout) as { summary: unknown }).summary).toEqual({ errors: 4, warnings: 0, notices: 0, files: count + 4 });
    }
    // The plan, too, is made from the files that could be read.
    const plan = await run(dir, "plan", "--format", "json");
    expect(plan.stderr).not.toContain("unexpectedly");
    expect((JSON.parse(plan.stdout) as { apprentices: unknown[] }).apprentices).toHaveLength(count);
  }, 120_000);

  it("a named pipe in place of the kept plan (the CLI's cache) is a miss", async () => {
    const dir = repo({ "manifests/reviewer.yaml": MANIFEST("reviewer") });
    mkdirSync(join(dir, "node_modules/.cache/apprentice-tools"), { recursive: true });
    pipeLinkedFrom(dir, "node_modules/.cache/apprentice-tools/plan.bin");
    const out = await run(dir, "plan", "--format", "json");
    expect(out.code, out.stderr).toBe(0);
    expect((JSON.parse(out.stdout) as { apprentices: { apprentice_type: string }[] }).apprentices.map((a) => a.apprentice_type)).toEqual(["reviewer"]);
  }, 60_000);

  it("catalog files: reported as catalog files, their tools unavailable", async () => {
    const dir = repo({ "manifests/reviewer.yaml": MANIFEST("reviewer"), "manifests/catalog/fs.json": JSON.stringify(["read_file"]) });
    sparse(join(dir, "manifests/catalog/big.json"), 3 * GIB);
    symlinkSync("/dev/zero", join(dir, "manifests/catalog/zero.yaml"));
    pipeLinkedFrom(dir, "manifests/catalog/pipe.json");
    const out = await run(dir, "check", "--format", "json");
    expect(out.code, out.stderr).toBe(1);
    const findings = findingsOf(out.stdout);
    expect(findings.map((f) => [f.file, f.code])).toEqual([
      ["manifests/catalog/big.json", "file-too-large"],
      ["manifests/catalog/pipe.json", "file-not-regular"],
      ["manifests/catalog/zero.yaml", "file-not-regular"],
    ]);
    for (const f of findings) expect(f.next_steps.join(" ")).toContain("catalog folder");
  }, 60_000);

  it.each([
    ["a named pipe", (path: string) => pipeLinkedFrom(dirname(path), "apprentice-tools.yml"), "file-not-regular"],
    ["a link to /dev/zero", (path: string) => symlinkSync("/dev/zero", path), "file-not-regular"],
    ["a sparse file of 3 GiB", (path: string) => sparse(path, 3 * GIB), "file-too-large"],
  ])("the configuration as %s is a configuration error: exit 2", async (_name, make, code) => {
    const dir = repo({ "manifests/reviewer.yaml": MANIFEST("reviewer") });
    make(join(dir, "apprentice-tools.yml"));
    const out = await run(dir, "check", "--format", "json");
    expect(out.code, out.stderr).toBe(2);
    expect(findingsOf(out.stdout).map((f) => [f.file, f.code])).toEqual([["apprentice-tools.yml", code]]);
  }, 60_000);
});
