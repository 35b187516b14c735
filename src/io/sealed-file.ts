import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { tempPathFor } from "./atomic-write.js";
import { isUnread, readFileIfThere } from "./read-file.js";

/**
 * The CLI's cache files are sealed: written atomically (a temp file renamed), and ending
 * with a line that gives the length and a checksum of everything before it, as git's
 * index ends with its own. What a cache holds goes to stdout as it is, so a file cut short
 * or with a byte changed (a full disk, a crash of another tool, a hand edit) must be a
 * miss, never a wrong answer.
 *
 * The checksum is CRC-32 (zlib's, twice as fast as SHA-1 on a plan of 30 MB; it catches
 * every burst of damage up to 32 bits and all but one in four billion others: damage, not
 * an adversary, is what it is for), or SHA-1 on a Node without `zlib.crc32` (before
 * 20.15). The seal names which.
 */

interface Sum {
  update(bytes: Uint8Array): void;
  digest(): string;
}

type Crc32 = (data: Uint8Array, value?: number) => number;
const crc32 = (zlib as { crc32?: Crc32 }).crc32;

function checksum(kind: string): Sum | undefined {
  if (kind === "crc32" && crc32) {
    let value = 0;
    return { update: (bytes) => void (value = crc32(bytes, value)), digest: () => `crc32:${value.toString(16)}` };
  }
  if (kind === "sha1") {
    const hash = createHash("sha1");
    return { update: (bytes) => void hash.update(bytes), digest: () => `sha1:${hash.digest("base64url")}` };
  }
  return undefined;
}

/** The most a sealed file is read of (what readFileSync allows): a larger one is a miss. */
const MAX_SEALED_BYTES = 2 ** 31 - 1;

const seal = (length: number, sum: string) => `${length} ${sum}\n`;

/**
 * Writes `file` from the pieces `write` gives, then its seal. Throws when it cannot be
 * written (callers decide whether that matters); nothing half-written is left behind.
 */
export function writeSealed(file: string, write: (out: (bytes: Uint8Array | string) => void) => void): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const sum = checksum(crc32 ? "crc32" : "sha1") as Sum;
  let length = 0;
  // Created here, never opened through a link or over another's file (`wx`), so only ours is removed on failure.
  const fd = openSync(temp, "wx");
  try {
    try {
      write((piece) => {
        const bytes = typeof piece === "string" ? Buffer.from(piece) : piece;
        sum.update(bytes);
        length += bytes.length;
        writeSync(fd, bytes);
      });
      writeSync(fd, `\n${seal(length, sum.digest())}`);
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
    // Anything but a regular file (a named pipe left in its place would block the run) is a miss.
    const bytes = readFileIfThere(file, MAX_SEALED_BYTES);
    if (bytes === undefined || isUnread(bytes)) return undefined;
    buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch {
    return undefined;
  }
  if (buf.length === 0 || buf[buf.length - 1] !== 0x0a) return undefined;
  // The seal is the last line; the newline before it only separates it from the content.
  const at = buf.lastIndexOf(0x0a, buf.length - 2);
  if (at === -1) return undefined;
  const content = buf.subarray(0, at);
  const sealed = buf.toString("latin1", at + 1);
  let verdict: boolean | undefined;
  const check = () => {
    // A seal this Node cannot check (CRC-32 on a Node without it) is a miss.
    const sum = checksum(/^\d+ (\w+):/.exec(sealed)?.[1] ?? "");
    sum?.update(content);
    return sum !== undefined && sealed === seal(content.length, sum.digest());
  };
  return { content, intact: () => (verdict ??= check()) };
}
