import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { availableParallelism } from "node:os";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { scratchReader, threadCount } from "../../src/io/parallel-check.js";
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
