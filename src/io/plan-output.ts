import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import type { Severity } from "../core/finding.js";
import { codeFingerprint } from "./check-cache.js";
import { hasSettled, isUnread, type FileBytes, type FileSource } from "./file-source.js";
import { readSealed, writeSealed } from "./sealed-file.js";

/**
 * The output of `plan --format json`, kept in the CLI's cache folder for the plan that
 * usually follows a check (or another plan). A plan is a pure function of the settings
 * (command-line options and the configuration file), the catalog's files, the manifests'
 * paths and bytes, and this program; while none of them changed, the same bytes are
 * written again without parsing, checking or provisioning anything, or even loading the
 * code that does. The manifests are known unchanged by their stamps (see FileStamp), so
 * only a run in which every manifest had settled keeps its plan.
 *
 * One file, `plan.bin`: a line naming the format, a line of JSON (what the plan was made
 * from, and what the exit code depends on), then the plan's bytes; sealed (see
 * sealed-file.ts). A file that is missing, damaged or made from other inputs is not used.
 */

const MAGIC = "apprentice-tools plan output 1\n";
const FILE = "plan.bin";

/** Where the configuration is looked for, in order, when no --config is given. */
export const CONFIG_CANDIDATES = ["apprentice-tools.yml", "apprentice-tools.yaml", ".github/apprentice-tools.yml", ".github/apprentice-tools.yaml"];

export interface PlanOutput {
  /** The plan as `plan --format json` writes it, in pieces. */
  chunks: Uint8Array[];
  /** The most severe finding of the repository's check (`--fail-on` decides the exit code from it), or null for none. */
  worst: Severity | null;
}

/** A plan to keep: its worst finding, and a function that writes its bytes piece by piece. */
export interface PlanToKeep {
  worst: Severity | null;
  /** Gives the plan's bytes to `out`, which is done with each piece when it returns (written to the file). */
  write(out: (bytes: Uint8Array) => void): void;
}

/** What a plan was made from, as its kept copy records it. */
export interface PlanOrigin {
  /** `settingsKey` of the options and configuration file. */
  settings: string;
  /** The manifests' globs as resolved from them, and the paths left out. */
  globs: string[];
  ignore: string[];
  /** The catalog folder configured (null for none) and `catalogKey` of its files ("none" while it does not exist). */
  catalogDir: string | null;
  catalog: string;
  /** `filesKey` of the manifests' paths and stamps. */
  files: string;
}

interface Header extends PlanOrigin {
  worst: Severity | null;
}

function hashOf(parts: (hash: Hash) => void): string {
  const hash = createHash("sha1").update(MAGIC).update(process.versions.node).update("\0").update(codeFingerprint());
  parts(hash);
  return hash.digest("base64url");
}

/** The options that decide a plan (the cache folder and token counting do not) and the configuration file read, if any. */
export function settingsKey(options: Record<string, unknown>, config: { file?: string; bytes?: FileBytes }): string {
  const { cacheDir: _cache, countTokens: _count, ...rest } = options;
  return hashOf((h) => {
    h.update(JSON.stringify(rest, Object.keys(rest).sort())).update(`\0${config.file ?? ""}\0`);
    if (config.bytes) hashFileBytes(h, config.bytes);
  });
}

/** A file's length and bytes, or (for a file that was not read) why, which no length spells. */
function hashFileBytes(h: Hash, bytes: FileBytes): void {
  if (isUnread(bytes)) h.update(`unread ${JSON.stringify(bytes)}\0`);
  else h.update(`${bytes.length}\0`).update(bytes);
}

/** The catalog folder's files (name and bytes, in glob order), or "none". */
export function catalogKey(files: readonly { file: string; bytes: FileBytes }[] | null): string {
  if (files === null) return "none";
  return hashOf((h) => {
    for (const f of files) hashFileBytes(h.update(`\0${f.file}\0`), f.bytes);
  });
}

/** The manifests' paths and stamps. */
export function filesKey(files: readonly string[], stampOf: (i: number) => string): string {
  return hashOf((h) => {
    h.update(String(files.length));
    files.forEach((file, i) => h.update(`\0${file}\0${stampOf(i)}`));
  });
}

/** The first configuration file that exists (the one given, else the usual places), with its bytes. */
export async function readConfigBytes(source: FileSource, explicit: string | undefined): Promise<{ file?: string; bytes?: FileBytes }> {
  for (const file of explicit ? [explicit] : CONFIG_CANDIDATES) {
    const bytes = await source.read(file);
    if (bytes !== undefined) return { file, bytes };
  }
  return {};
}

/** The catalog files `readCatalog` would read in this folder. */
export function catalogGlobs(dir: string): string[] {
  return [`${dir}/*.json`, `${dir}/*.yml`, `${dir}/*.yaml`];
}

/**
 * Keeps a plan's output (replacing any other), written straight to the file; unless the
 * plan kept already was made from these very inputs (a check run again with nothing
 * changed), which is left as it is and not made again (when intact: a damaged one is
 * replaced). Never throws: a plan not kept costs time only.
 */
export function keepPlanOutput(dir: string, origin: PlanOrigin, plan: PlanToKeep): void {
  const header: Header = { ...origin, worst: plan.worst };
  try {
    const kept = readKept(dir);
    if (kept && JSON.stringify(kept.header) === JSON.stringify(header) && kept.intact()) return;
    writeSealed(join(dir, FILE), (out) => {
      out(`${MAGIC}${JSON.stringify(header)}\n`);
      plan.write(out);
    });
  } catch {
    // not kept
  }
}

const SEVERITIES: readonly unknown[] = ["error", "warning", "notice", null];
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** The kept plan's header and body, not yet known intact (hashing waits until the header matches). */
function readKept(dir: string): { header: Header; body: Buffer; intact: () => boolean } | undefined {
  const sealed = readSealed(join(dir, FILE));
  if (!sealed) return undefined;
  const buf = sealed.content;
  try {
    if (buf.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined;
    const end = buf.indexOf(0x0a, MAGIC.length);
    if (end === -1) return undefined;
    const h = JSON.parse(buf.toString("utf8", MAGIC.length, end)) as Partial<Header> | null;
    if (!h || typeof h.settings !== "string" || typeof h.catalog !== "string" || typeof h.files !== "string" || !isStrings(h.globs) || !isStrings(h.ignore)) return undefined;
    if ((h.catalogDir !== null && typeof h.catalogDir !== "string") || !SEVERITIES.includes(h.worst)) return undefined;
    return { header: h as Header, body: buf.subarray(end + 1), intact: sealed.intact };
  } catch {
    return undefined;
  }
}

/**
 * The kept plan, if it was made from the repository as it is now: the same settings, the
 * same catalog files, and the same manifests (paths and stamps, every one settled).
 * Reads the configuration and catalog files as bytes and stats the manifests; parses nothing.
 */
export async function keptPlanOutput(source: FileSource, options: Record<string, unknown> & { config?: string }, cacheDir: string): Promise<PlanOutput | undefined> {
  const { stamp } = source;
  const kept = stamp ? readKept(cacheDir) : undefined;
  if (!stamp || !kept) return undefined;
  const { header } = kept;
  if (settingsKey(options, await readConfigBytes(source, options.config)) !== header.settings) return undefined;
  const dir = header.catalogDir;
  const catalogFiles = dir === null || !(await source.isDirectory(dir)) ? null : await Promise.all((await source.glob(catalogGlobs(dir))).map(async (file) => ({ file, bytes: (await source.read(file)) ?? new Uint8Array() })));
  if (catalogKey(catalogFiles) !== header.catalog) return undefined;
  const files = await source.glob(header.globs, header.ignore);
  const stamps: string[] = [];
  for (const file of files) {
    const s = stamp(file);
    if (!s || !hasSettled(s.changedAt)) return undefined;
    stamps.push(s.key);
  }
  if (filesKey(files, (i) => stamps[i] as string) !== header.files || !kept.intact()) return undefined;
  return { chunks: [kept.body], worst: header.worst };
}
