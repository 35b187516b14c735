import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readSealed, writeSealed } from "../../src/io/sealed-file.js";

const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-sealed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pieces = fc.array(fc.oneof(fc.string({ unit: "grapheme" }), fc.uint8Array({ maxLength: 300 })), { maxLength: 6 });
const bytesOf = (parts: (string | Uint8Array)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));

describe("sealed files", () => {
  it("read back exactly what was written, in pieces of any kind (newlines included)", () => {
    const file = join(dir, "a.bin");
    fc.assert(
      fc.property(pieces, (parts) => {
        writeSealed(file, (out) => parts.forEach((p) => out(p)));
        const read = readSealed(file);
        expect(read?.intact()).toBe(true);
        expect(read?.content.equals(bytesOf(parts))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("are never intact once a byte is changed, removed or added anywhere", () => {
    const file = join(dir, "b.bin");
    fc.assert(
      fc.property(pieces, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom("change", "cut", "remove", "add"), (parts, at, delta, how) => {
        writeSealed(file, (out) => parts.forEach((p) => out(p)));
        const good = readFileSync(file);
        const i = at % good.length;
        const bad =
          how === "change"
            ? Buffer.concat([good.subarray(0, i), Buffer.from([(good[i]! + delta) & 0xff]), good.subarray(i + 1)])
            : how === "cut"
              ? good.subarray(0, i)
              : how === "remove"
                ? Buffer.concat([good.subarray(0, i), good.subarray(i + 1)])
                : Buffer.concat([good.subarray(0, i), Buffer.from([delta]), good.subarray(i)]);
        writeFileSync(file, bad);
        const read = readSealed(file);
        expect(read === undefined || !read.intact()).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("are CRC-32 sealed, and read SHA-1 seals (written by a Node without zlib.crc32); an unknown seal is a miss", () => {
    const file = join(dir, "s.bin");
    writeSealed(file, (out) => out("hello\n"));
    expect(readFileSync(file, "latin1")).toMatch(/^hello\n\n6 crc32:[0-9a-f]+\n$/);
    const sha1 = createHash("sha1").update("hello\n").digest("base64url");
    writeFileSync(file, `hello\n\n6 sha1:${sha1}\n`);
    expect(readSealed(file)?.intact()).toBe(true);
    expect(readSealed(file)?.content.toString()).toBe("hello\n");
    writeFileSync(file, `hello\n\n6 md4:${sha1}\n`);
    expect(readSealed(file)?.intact()).toBe(false);
  });

  it("are a miss when missing or empty", () => {
    expect(readSealed(join(dir, "none.bin"))).toBeUndefined();
    writeFileSync(join(dir, "empty.bin"), "");
    expect(readSealed(join(dir, "empty.bin"))).toBeUndefined();
  });

  it("leave nothing behind when the writing fails, and keep the file they would have replaced", () => {
    const sub = join(dir, "sub");
    writeSealed(join(sub, "c.bin"), (out) => out("first"));
    expect(() =>
      writeSealed(join(sub, "c.bin"), (out) => {
        out("second, half");
        throw new Error("the plan could not be written");
      }),
    ).toThrow("the plan could not be written");
    expect(readdirSync(sub)).toEqual(["c.bin"]);
    expect(readSealed(join(sub, "c.bin"))?.content.toString()).toBe("first");
  });

  it("write through a temp file of their own: never through a link or a file left where a temp file once was", () => {
    const sub = join(dir, "linked");
    mkdirSync(sub);
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "untouched");
    // The temp name earlier versions used (file.pid.tmp), planted as a link to another file.
    symlinkSync(victim, join(sub, `e.bin.${process.pid}.tmp`));
    writeSealed(join(sub, "e.bin"), (out) => out("sealed"));
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(readSealed(join(sub, "e.bin"))?.content.toString()).toBe("sealed");
    expect(readdirSync(sub).sort()).toEqual(["e.bin", `e.bin.${process.pid}.tmp`]);
  });

  it("throw when the folder cannot be written, and leave the old file as it was", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    writeSealed(join(locked, "d.bin"), (out) => out("kept"));
    chmodSync(locked, 0o500);
    try {
      // root can write anyway; then the second write simply succeeds.
      let threw = false;
      try {
        writeSealed(join(locked, "d.bin"), (out) => out("new"));
      } catch {
        threw = true;
      }
      expect(readSealed(join(locked, "d.bin"))?.content.toString()).toBe(threw ? "kept" : "new");
      expect(readdirSync(locked)).toEqual(["d.bin"]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
