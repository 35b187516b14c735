import { posix } from "node:path";
import type { ManifestSource } from "../core/manifest-check.js";
import { nowhere } from "../core/locator.js";
import { decodeUtf8, parseYamlSource } from "./yaml-source.js";

/** A file's name without its folder and extension (a manifest's stem is its apprentice type). */
export function stemOf(file: string): string {
  const base = posix.basename(file);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Reads and parses one manifest file (rule 1 findings included). */
export function manifestSourceFromBytes(file: string, bytes: Uint8Array): ManifestSource {
  const stem = stemOf(file);
  const decoded = decodeUtf8(file, bytes);
  if ("finding" in decoded) return { file, stem, data: undefined, locate: nowhere, findings: [decoded.finding] };
  const yaml = parseYamlSource(file, decoded.text);
  return { file, stem, data: yaml.data, locate: yaml.locate, findings: yaml.findings };
}
