import { posix } from "node:path";
import type { ManifestSource } from "../core/manifest-check.js";
import { nowhere } from "../core/locator.js";
import { FEEDBACK_PREF_KEYS, LIMIT_KEYS, MANIFEST_KEYS } from "../core/manifest-schema.js";
import type { FileBytes } from "./read-file.js";
import { parseYamlBytes } from "./yaml-source.js";
import { keyTable } from "./yaml-subset.js";

/** The keys manifests use (yaml-subset's KeyTable). */
export const MANIFEST_KEY_TABLE = keyTable([...MANIFEST_KEYS, ...LIMIT_KEYS, ...FEEDBACK_PREF_KEYS]);

/** A file's name without its folder and extension (a manifest's stem is its apprentice type). */
export function stemOf(file: string): string {
  const base = posix.basename(file);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Reads and parses one manifest file (rule 1 findings included). */
export function manifestSourceFromBytes(file: string, bytes: FileBytes): ManifestSource {
  const stem = stemOf(file);
  const yaml = parseYamlBytes(file, bytes, { keys: MANIFEST_KEY_TABLE });
  if ("finding" in yaml) return { file, stem, data: undefined, locate: nowhere, findings: [yaml.finding] };
  return { file, stem, data: yaml.data, locate: yaml.locate, findings: yaml.findings };
}
