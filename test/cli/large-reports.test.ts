import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

// A check's report goes to stdout in pieces of about a megabyte, whatever its length: 20
// manifests listing one tool 115,000 times each made 2.3 million findings, a report longer
// than one string can be, and every format failed (RangeError: Invalid string length).
// Here two such manifests (240,000 findings, 100 MB of JSON), to stay quick; the renderers
// are tried with reports longer than a string can be in test/core/render-pieces.test.ts.

const DUPLICATES = 120_000;
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "apprentice-tools-large-"));
  mkdirSync(join(dir, "manifests"));
  for (const type of ["r0", "r1"]) writeFileSync(join(dir, `manifests/${type}.yaml`), `apprentice_type: ${type}\ndescription: d\nrequired_tools: [${"a,".repeat(DUPLICATES)}a]\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI in-process; stdout kept as the pieces it was written in. */
async function check(format: string): Promise<{ code: number; pieces: string[]; stderr: string }> {
  const pieces: string[] = [];
  let stderr = "";
  const code = await runCli(["check", "--format", format], { stdout: (t) => void pieces.push(t), stderr: (t) => void (stderr += t), cwd: dir, env: {} });
  return { code, pieces, stderr };
}

/** Written in many pieces, none of them much over a megabyte. */
function expectStreamed(pieces: readonly string[]): void {
  expect(pieces.length).toBeGreaterThan(10);
  expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2 << 20);
}

describe("a check with hundreds of thousands of findings", () => {
  it("--format json: every finding, written in pieces", async () => {
    const { code, pieces, stderr } = await check("json");
    expect(stderr).toBe("");
    expect(code).toBe(1);
    expectStreamed(pieces);
    const report = JSON.parse(pieces.join("")) as { findings: { file: string; code: string }[]; summary: unknown };
    expect(report.summary).toEqual({ errors: 2, warnings: 2 * DUPLICATES, notices: 0, files: 2 });
    expect(report.findings).toHaveLength(2 + 2 * DUPLICATES);
    expect(report.findings.filter((f) => f.code === "tool-duplicate")).toHaveLength(2 * DUPLICATES);
  }, 60_000);

  it("--format github: an annotation per finding, written in pieces", async () => {
    const { code, pieces } = await check("github");
    expect(code).toBe(1);
    expectStreamed(pieces);
    const lines = pieces.join("").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(2 + 2 * DUPLICATES);
    expect(lines.every((l) => /^::(error|warning) file=manifests\/r[01]\.yaml,/.test(l))).toBe(true);
  }, 60_000);

  it("text: the first 100 findings of each file, a line for the rest, the verdict counting all", async () => {
    const { code, pieces } = await check("text");
    expect(code).toBe(1);
    const report = pieces.join("");
    expect(report.match(/^manifests\/r0\.yaml:3:\d+: /gm)).toHaveLength(100);
    // The error (at the start of the line) and 99 warnings shown; the other warnings counted.
    expect(report).toContain(`manifests/r0.yaml: … and ${(DUPLICATES - 99).toLocaleString("en-US")} more findings (${(DUPLICATES - 99).toLocaleString("en-US")} warnings) not shown`);
    expect(report).toContain("`--format json` lists them all.");
    expect(report.endsWith(`✗ 2 manifests checked: 2 errors, ${2 * DUPLICATES} warnings, 0 notices.\n`)).toBe(true);
  }, 60_000);
});
