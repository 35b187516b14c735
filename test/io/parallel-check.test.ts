import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { availableParallelism } from "node:os";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { checkManyManifests, planChunk, scratchReader, threadCount, type CheckWorkers, type PlanWorker, type PlanWorkerMessage } from "../../src/io/parallel-check.js";
import { fixtureCatalog, limitsWith } from "../support/manifest-fixtures.js";
import { isUnread, stampOfStats, type FileBytes } from "../../src/io/file-source.js";
import { statSync } from "node:fs";

/** The bytes read, failing the test on a file that was not read. */
function bytesOf(read: FileBytes): Uint8Array {
  if (isUnread(read)) throw new Error(`not read: ${JSON.stringify(read)}`);
  return read;
}

const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-scratch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scratchReader", () => {
  it("reads each file's bytes exactly, small or larger than its buffer, one after the other", () => {
    const stamps: unknown[] = [];
    const read = scratchReader((s) => stamps.push(s));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 3 }), (head, big) => {
        // Some files past the 64 KiB buffer, to take the other way.
        const bytes = big === 0 ? new Uint8Array([...head, ...new Uint8Array(70_000).fill(0x61)]) : head;
        const file = join(dir, "f.yaml");
        writeFileSync(file, bytes);
        expect(Buffer.from(bytesOf(read(file))).equals(Buffer.from(bytes))).toBe(true);
        // Stamped as it was opened, as the working tree stamps it.
        expect(stamps.pop()).toEqual(stampOfStats(statSync(file)));
      }),
      { numRuns: 60 },
    );
  });

  it("reads a missing file as empty (a file gone since it was listed), and gives no stamp", () => {
    const stamps: unknown[] = [];
    const read = scratchReader((s) => stamps.push(s));
    expect(bytesOf(read(join(dir, "gone.yaml"))).length).toBe(0);
    expect(stamps).toEqual([undefined]);
  });

  it("does not read a folder where a file was expected, and says so", () => {
    expect(scratchReader()(dir)).toEqual({ unread: "not-a-file", kind: "a folder" });
    expect(scratchReader(() => undefined)(dir)).toEqual({ unread: "not-a-file", kind: "a folder" });
  });
});

describe("threadCount", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("leaves one core to V8's own threads and the token count, unless told otherwise", () => {
    vi.stubEnv("APPRENTICE_TOOLS_THREADS", undefined);
    expect(threadCount()).toBe(Math.max(1, availableParallelism() - 1));
    for (const [asked, threads] of [["1", 1], ["3", 3], ["16", 16]] as const) {
      vi.stubEnv("APPRENTICE_TOOLS_THREADS", asked);
      expect(threadCount()).toBe(threads);
    }
    // Not a positive whole number: the default.
    for (const asked of ["0", "-2", "1.5", "many", ""]) {
      vi.stubEnv("APPRENTICE_TOOLS_THREADS", asked);
      expect(threadCount()).toBe(Math.max(1, availableParallelism() - 1));
    }
  });
});

describe("a plan worker (the main thread checking alone)", () => {
  const catalog = fixtureCatalog();
  const names = catalog.tools.map((t) => t.name);
  // Enough files for threads (PARALLEL_MIN_FILES): ten chunks.
  const files = Array.from({ length: 600 }, (_, i) => `manifests/a${i}.yaml`);
  // Some invalid (a required tool forbidden), some degraded (a required tool unknown), some with a token budget.
  const contents = files.map((_, i) =>
    Buffer.from(
      [
        `apprentice_type: a${i}`,
        "description: d",
        `required_tools: [${names[i % names.length]}${i % 9 === 4 ? ", no_such_tool" : ""}]`,
        `optional_tools: [${names[(i * 7) % names.length]}, ${names[(i * 3 + 1) % names.length]}]`,
        `forbidden_tools: [${i % 10 === 0 ? names[i % names.length] : "nothing_*"}]`,
        ...(i % 25 === 3 ? ["limits: { max_tokens: 900 }"] : []),
        // What provisioning does not read (and a plan worker is not sent).
        ...(i % 5 === 1 ? [`tool_notes: { ${names[i % names.length]}: "why" }`, "requirements: [a repository]", "specialization: reviews"] : []),
        "",
      ].join("\n"),
    ),
  );
  const input = { files, contents, limits: limitsWith(), catalog, plan: true };

  it("makes the entries the checking thread would, and a chunk it never answers is made later from its manifest", async () => {
    // The main thread planning as it checks (no planner).
    const alone = await checkManyManifests(input, 0, { setup: { limits: input.limits, plan: true }, run: async () => undefined, stop: async () => undefined });
    // A planner that plans in this thread and answers every chunk but the second.
    const sent: number[] = [];
    let namesGiven = false;
    const answers: (PlanWorkerMessage & { type: "planned" })[] = [];
    const planner: PlanWorker = {
      begin: (c) => void (namesGiven = c === catalog),
      plan(index, items) {
        sent.push(index);
        // Sent as a worker gets them: copied.
        if (index !== 1) answers.push(planChunk(index, structuredClone(items), { limits: input.limits, catalog }));
      },
      finish: async () => answers,
      stop: async () => undefined,
    };
    const started: CheckWorkers = { setup: { limits: input.limits, plan: true }, planner, run: async () => undefined, stop: async () => undefined };
    const helped = await checkManyManifests(input, 0, started);
    expect(namesGiven).toBe(true);
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (!alone || !helped) throw new Error("not checked");
    const unanswered = new Set(files.slice(64, 128));
    let planned = 0;
    helped.wire.forEach((w, i) => {
      const expected = alone.wire[i];
      expect({ ...w, planned: undefined }).toEqual({ ...expected, planned: undefined });
      if (unanswered.has(files[i] as string)) {
        expect(w.planned).toBeUndefined();
        expect(helped.checked[i]?.manifest).toEqual(alone.checked[i]?.manifest);
      } else {
        // Made by the worker, or (with a token budget) by no one yet, as on the checking thread.
        expect(w.planned && { ...w.planned, head: Buffer.from(w.planned.head).toString() }).toEqual(expected?.planned && { ...expected.planned, head: Buffer.from(expected.planned.head).toString() });
        expect(helped.checked[i]?.planned).toBe(w.planned);
        if (w.planned) planned++;
      }
    });
    expect(planned).toBeGreaterThan(450);
    expect(helped.wire.some((w) => w.planned?.invalid)).toBe(true);
  });
});
