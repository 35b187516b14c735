import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The CLI's cache files are sealed: written atomically (a temp file renamed), and ending
 * with a line that gives the length and SHA-1 of everything before it, as git's index
 * ends with its checksum. What a cache holds goes to stdout as it is, so a file cut short
 * or with a byte changed (a full disk, a crash of another tool, a hand edit) must be a
 * miss, never a wrong answer.
 */

const seal = (length: number, sum: string) => `${length} ${sum}\n`;

/**
 * Writes `file` from the pieces `write` gives, then its seal. Throws when it cannot be
 * written (callers decide whether that matters); nothing half-written is left behind.
 */
export function writeSealed(file: string, write: (out: (bytes: Uint8Array | string) => void) => void): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const sum = createHash("sha1");
  let length = 0;
  try {
    const fd = openSync(temp, "w");
    try {
      write((piece) => {
        const bytes = typeof piece === "string" ? Buffer.from(piece) : piece;
        sum.update(bytes);
        length += bytes.length;
        writeSync(fd, bytes);
      });
      writeSync(fd, `\n${seal(length, sum.digest("base64url"))}`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    throw error;
  }
}

/** A sealed file read: its content (without the seal), and whether that content is intact. */
export interface SealedContent {
  content: Buffer;
  /** Hashes the content (once) and compares it with the seal. */
  intact(): boolean;
}

/** Reads a sealed file; undefined when it is missing or has no seal. Check `intact()` before trusting the content. */
export function readSealed(file: string): SealedContent | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length === 0 || buf[buf.length - 1] !== 0x0a) return undefined;
  // The seal is the last line; the newline before it only separates it from the content.
  const at = buf.lastIndexOf(0x0a, buf.length - 2);
  if (at === -1) return undefined;
  const content = buf.subarray(0, at);
  let verdict: boolean | undefined;
  return {
    content,
    intact: () => (verdict ??= buf.toString("latin1", at + 1) === seal(content.length, createHash("sha1").update(content).digest("base64url"))),
  };
}
