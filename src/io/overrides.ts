import { isAbsolute, relative } from "node:path";

/** Settings given on the command line or as action inputs; they win over the file. */
export interface Overrides {
  config?: string;
  /** Manifest files, folders or globs. */
  manifests?: string[];
  catalog?: string | null;
  maxTools?: number;
  safetyMargin?: number;
  maxTokens?: number | null;
  /**
   * False when the caller will not plan (the `check` command): the tokenizer, which only
   * token estimates need, is then not loaded, unless `targets` rules need a plan (with a
   * cache, estimates already known are still given, so that the plan can be kept).
   */
  countTokens?: boolean;
  /**
   * A folder where results may be kept between runs (the CLI uses
   * `node_modules/.cache/apprentice-tools`); without one, nothing is kept. Call
   * `saveCache()` on the loaded repository when done.
   */
  cacheDir?: string;
  /**
   * Only the manifests that may declare one of these apprentice types (or the config's
   * `fallback`) are read and checked: for provisioning one apprentice without checking a
   * whole fleet. A file can declare a type only if its bytes hold the type's name, or an
   * escape that could spell it; the others are left out, so the findings are those of the
   * files kept (duplicates of the type included).
   */
  onlyTypes?: string[];
}

/**
 * Paths are read from the repository's root (the working directory): an absolute path
 * given for the manifests, the config or the catalog (`check "$PWD/manifests"`,
 * `${{ github.workspace }}/manifests`) is made relative to it.
 */
export function relativeOverrides(root: string, o: Overrides): Overrides {
  const from = (path: string) => (isAbsolute(path) ? relative(root, path) || "." : path);
  const out = { ...o };
  if (o.config !== undefined) out.config = from(o.config);
  if (o.manifests) out.manifests = o.manifests.map(from);
  if (typeof o.catalog === "string") out.catalog = from(o.catalog);
  return out;
}
