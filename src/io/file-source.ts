import { statSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { glob } from "tinyglobby";
import { isUnread, MAX_FILE_BYTES, readFileIfThere, type FileBytes } from "./read-file.js";

export { describeUnread, FileNotRead, isMissingFile, isUnread, MAX_FILE_BYTES, readFileIfThere, type FileBytes, type Unread } from "./read-file.js";

/**
 * Where a repository's files come from: the working tree, a git revision, or (in the
 * bot) the GitHub contents API. Paths are POSIX-style and relative to the repository root.
 */
export interface FileSource {
  /** A human name for messages ("working tree", "main", "HEAD~1"). */
  readonly label: string;
  /** Files matching any of the globs. */
  glob(patterns: readonly string[], ignore?: readonly string[]): Promise<string[]>;
  /**
   * The file's bytes, or undefined when it does not exist; or, when it is larger than
   * `limit` bytes (default MAX_FILE_BYTES) or not a regular file, why it was not read
   * (Unread), without reading it.
   */
  read(path: string, limit?: number): Promise<FileBytes | undefined>;
  /** True when `path` is a directory. */
  isDirectory(path: string): Promise<boolean>;
  /**
   * Working trees only: what the file system says of the file now (see FileStamp), so that
   * a cache can trust its earlier reading of an unchanged file without reading it again.
   */
  stamp?(path: string): FileStamp | undefined;
  /** Working trees only: `read`, synchronously, for reading a file only when asked. */
  readSync?(path: string, limit?: number): FileBytes | undefined;
  /** Working trees only: where the file is on disk (for worker threads that read files themselves). */
  absolutePath?(path: string): string;
}

/**
 * A file's size, inode, and change and modification times, as git's index keeps them. The
 * change time moves on every write and cannot be set back, so an equal stamp means the
 * file was not written since, provided it had settled (`settledBy`) when it was read.
 */
export interface FileStamp {
  key: string;
  /** The later of the change and modification times, in ms since the epoch. */
  changedAt: number;
}

/** A file whose stamp changed at least this long before it was read is trusted by its stamp later (FileStamp). */
export const SETTLE_MS = 2000;

/** Whether a file changed at `changedAt` had settled by `now`. */
export function hasSettled(changedAt: number, now = Date.now()): boolean {
  return changedAt < now - SETTLE_MS;
}

/** A file's stamp from its stats (undefined for anything but a file). */
export function stampOfStats(s: Stats): FileStamp | undefined {
  if (!s.isFile()) return undefined;
  // Times in milliseconds with their fraction (microseconds survive in a double).
  return { key: `${s.size}:${s.ino}:${s.ctimeMs}:${s.mtimeMs}`, changedAt: Math.max(s.ctimeMs, s.mtimeMs) };
}

/**
 * A relative POSIX path with nothing to normalize (no empty, `.` or `..` segment), as a glob
 * lists them: joined to the root by concatenation, which for ten thousand manifests is
 * tens of milliseconds less than path.join's normalizing.
 */
const PLAIN_RELATIVE = /^(?:(?!\.\.?(?:\/|$))[^/]+\/)*(?!\.\.?$)[^/]+$/;

export function workingTree(root: string): FileSource {
  const base = join(root);
  const rootSlash = sep === "/" ? (base.endsWith("/") ? base : `${base}/`) : undefined;
  const readSync = (path: string, limit?: number): FileBytes | undefined => readFileIfThere(join(root, path), limit);
  return {
    label: "working tree",
    readSync,
    absolutePath: (path) => (rootSlash !== undefined && PLAIN_RELATIVE.test(path) ? rootSlash + path : join(root, path)),
    stamp(path) {
      const s = statSync(join(root, path), { throwIfNoEntry: false });
      return s ? stampOfStats(s) : undefined;
    },
    async glob(patterns, ignore = []) {
      const files = await glob([...patterns], { cwd: root, ignore: [...ignore, "**/node_modules/**"], dot: false, onlyFiles: true, expandDirectories: false });
      return (sep === "/" ? files : files.map((f) => f.split(sep).join("/"))).sort();
    },
    async read(path, limit) {
      return readSync(path, limit);
    },
    async isDirectory(path) {
      const { stat } = await import("node:fs/promises");
      try {
        return (await stat(join(root, path))).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

/**
 * A source over a known list of paths (git trees, API listings). `read` may say a file is
 * too large without fetching it (Unread); bytes over the limit it gives are reported so too.
 */
export function listedSource(label: string, paths: readonly string[], read: (path: string, limit: number) => Promise<FileBytes | undefined>): FileSource {
  const all = [...paths].sort();
  return {
    label,
    async glob(patterns, ignore = []) {
      const isMatch = picomatch([...patterns], { dot: false });
      const isIgnored = ignore.length ? picomatch([...ignore], { dot: true }) : () => false;
      return all.filter((p) => isMatch(p) && !isIgnored(p));
    },
    async read(path, limit = MAX_FILE_BYTES) {
      const bytes = await read(path, limit);
      return bytes && !isUnread(bytes) && bytes.byteLength > limit ? { unread: "too-large", size: bytes.byteLength } : bytes;
    },
    async isDirectory(path) {
      const prefix = path.replace(/\/+$/, "") + "/";
      return all.some((p) => p.startsWith(prefix));
    },
  };
}

export function relativePosix(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}
