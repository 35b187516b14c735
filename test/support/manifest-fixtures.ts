import { readdirSync, readFileSync } from "node:fs";
import { extname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { buildCatalog, type Catalog, type CatalogFileInput } from "../../src/core/catalog.js";
import { defaultConfig, type GlobalLimits } from "../../src/core/config-schema.js";
import type { Finding, Severity } from "../../src/core/finding.js";
import { checkManifest, type CheckedManifest } from "../../src/core/manifest-check.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";
import { parseYamlSource } from "../../src/io/yaml-source.js";

/** Builders and readers shared by the tests of the validation rules. */

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const FIXTURES = join(REPO_ROOT, "test/fixtures/manifests");

export interface CheckOptions {
  limits?: Partial<GlobalLimits>;
  catalog?: Catalog;
}

export function limitsWith(overrides: Partial<GlobalLimits> = {}): GlobalLimits {
  return { ...defaultConfig().limits, ...overrides };
}

/** Reads and checks one manifest given as bytes or text, the way the CLI does. */
export function checkBytes(file: string, content: string | Uint8Array, opts: CheckOptions = {}): CheckedManifest {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const src = manifestSourceFromBytes(file, bytes);
  return checkManifest(src, opts.catalog ? { limits: limitsWith(opts.limits), catalog: opts.catalog } : { limits: limitsWith(opts.limits) });
}

/** Checks a fixture under test/fixtures/manifests/, named by its path there. */
export function checkFixture(rel: string, opts: CheckOptions = {}): CheckedManifest {
  return checkBytes(rel, readFileSync(join(FIXTURES, rel)), opts);
}

/** The small catalog of test/fixtures/manifests/catalog/ (JSON tools/list, JSON list, YAML list). */
export function fixtureCatalog(): Catalog {
  const dir = join(FIXTURES, "catalog");
  const files: CatalogFileInput[] = readdirSync(dir)
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), "utf8");
      const ext = extname(name);
      const data: unknown = ext === ".json" ? JSON.parse(text) : parseYamlSource(name, text).data;
      return { server: posix.basename(name, ext), file: `catalog/${name}`, data };
    });
  const { catalog, problems } = buildCatalog(files);
  expect(problems).toEqual([]);
  return catalog;
}

/** `[code, severity, line, column]` of each finding: what the tables compare. */
export type Place = [code: string, severity: Severity, line: number | undefined, column: number | undefined];

export function places(findings: readonly Finding[]): Place[] {
  return findings.map((f) => [f.code, f.severity, f.line, f.column]);
}

/** A finding teaches: it says what happened, why it matters and what to do next. */
export function expectTeaches(f: Finding): void {
  expect(f.message.trim().length, `${f.code}: message`).toBeGreaterThan(10);
  expect(f.guidance.trim().length, `${f.code}: guidance`).toBeGreaterThan(10);
  expect(f.next_steps.length, `${f.code}: next_steps`).toBeGreaterThan(0);
  for (const step of f.next_steps) expect(step.trim().length, `${f.code}: next step`).toBeGreaterThan(5);
  expect(f.message, "no library jargon in messages").not.toMatch(/parseAllDocuments|YAMLParseError|ZodError|\bundefined\b|\[object Object\]/);
}

/** The one finding with `code`, failing clearly when there is none or several. */
export function only(findings: readonly Finding[], code: string): Finding {
  const hits = findings.filter((f) => f.code === code);
  expect(hits.map((f) => f.code), `exactly one ${code} among ${JSON.stringify(places(findings))}`).toEqual([code]);
  return hits[0] as Finding;
}
