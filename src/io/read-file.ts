import { Buffer } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readSync as readFd, type Stats } from "node:fs";
import { groupDigits } from "../core/group-digits.js";

// Reading the files a run is given (manifests, catalogs, the configuration, usage
// summaries, the CLI's own cache) without trusting what they are: only regular files,
// and only up to a size, so that a named pipe, a device or a file of gigabytes is
// reported rather than read.

/** True for the errors of a file that is not there (gone since it was listed, or a path through a file). */
export function isMissingFile(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Files over this size are not read at all: a manifest is a few kilobytes, a catalog or a
 * configuration file rarely more than a few hundred, and reading a file of gigabytes (or
 * an endless one) would stall or end every check.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * A file that is there but was not read: larger than the limit asked for (its size as the
 * file system gives it), or not a regular file (a named pipe, a device, a socket or a
 * folder, reached directly or through a link), whose reading could block or never end.
 */
export type Unread = { readonly unread: "too-large"; readonly size: number } | { readonly unread: "not-a-file"; readonly kind: string };

/** A file's bytes, or why they were not read. */
export type FileBytes = Uint8Array | Unread;

/** True for a file that was not read (see Unread). */
export function isUnread(bytes: FileBytes): bytes is Unread {
  return "unread" in bytes;
}

/** What a file is, in words, when it is not a regular file. */
function kindOf(s: Stats): string {
  if (s.isFIFO()) return "a named pipe (FIFO)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  if (s.isDirectory()) return "a folder";
  return "not a regular file";
}

/** Why a file with these stats is not read with this limit, or undefined when it is read. */
export function unreadOf(s: Stats, limit: number): Unread | undefined {
  if (!s.isFile()) return { unread: "not-a-file", kind: kindOf(s) };
  return s.size > limit ? { unread: "too-large", size: s.size } : undefined;
}

/** In words: what a file that was not read is (`… is 3,221,225,472 bytes`, `… is a named pipe (FIFO)`). */
export function describeUnread(file: string, unread: Unread, limit = MAX_FILE_BYTES): string {
  if (unread.unread === "not-a-file") return `${file} is ${unread.kind}, not a regular file, so it is not read`;
  return `${file} is ${groupDigits(unread.size)} bytes (${(unread.size / 1024 / 1024).toFixed(1)} MiB); files over ${(limit / 1024 / 1024).toFixed(0)} MiB (${groupDigits(limit)} bytes) are not read`;
}

/** Thrown where a file that was not read (Unread) cannot be reported as a finding. */
export class FileNotRead extends Error {
  constructor(
    readonly path: string,
    readonly reason: Unread,
    limit = MAX_FILE_BYTES,
  ) {
    super(`${describeUnread(path, reason, limit)}.`);
    this.name = "FileNotRead";
  }

  /** What to do about it. */
  readonly hint = "Replace it with a regular file of text (a link to one is fine), or remove it.";
}

/**
 * Opened without blocking: opening a named pipe for reading otherwise waits for a writer,
 * forever if none comes. (No such flag on Windows, which has no named pipes in folders.)
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Opens a file for reading without blocking; undefined when it is not there. Unread for a socket (which cannot be opened). */
export function openToRead(path: string): number | undefined | Unread {
  try {
    return openSync(path, OPEN_FLAGS);
  } catch (err) {
    if (isMissingFile(err)) return undefined;
    if ((err as NodeJS.ErrnoException).code === "ENXIO") return { unread: "not-a-file", kind: "a socket" };
    throw err;
  }
}

/**
 * The bytes of an open file, once its stats (taken from the descriptor, so that they are
 * the stats of what is read) show a regular file within `limit`: at most its size then,
 * read from its start whatever was read of it before.
 */
export function readOpenFile(fd: number, limit: number, stats: Stats = fstatSync(fd)): FileBytes {
  const unread = unreadOf(stats, limit);
  if (unread) return unread;
  const size = stats.size;
  if (size === 0) return new Uint8Array();
  const buf = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < size) {
    const read = readFd(fd, buf, n, size - n, n);
    if (read === 0) break;
    n += read;
  }
  return n < size ? buf.subarray(0, n) : buf;
}

/**
 * A file's bytes, or undefined when it is not there, or Unread when it is larger than
 * `limit` or not a regular file (neither is read at all); other errors are thrown.
 * Synchronous on purpose: manifests are small, and for thousands of them a synchronous
 * read each is about ten times faster than the promise API's file handles. The same
 * calls as readFileSync (open, fstat, read, close), without blocking on a named pipe.
 */
export function readFileIfThere(path: string, limit = MAX_FILE_BYTES): FileBytes | undefined {
  const fd = openToRead(path);
  if (typeof fd !== "number") return fd;
  try {
    return readOpenFile(fd, limit);
  } finally {
    closeSync(fd);
  }
}
