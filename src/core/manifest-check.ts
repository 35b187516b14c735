import type { Catalog } from "./catalog.js";
import type { GlobalLimits } from "./config-schema.js";
import { makeFinding, type Finding } from "./finding.js";
import type { DocPath, Locator } from "./locator.js";
import { APPRENTICE_TYPE_RE, FEEDBACK_PREF_KEYS, LIMIT_KEYS, MANIFEST_KEYS, normalizeManifest, parseValidManifest, safeParseManifest, type Manifest } from "./manifest-schema.js";
import { manifestRuleFindings } from "./manifest-rules.js";
import type { PlannedEntry } from "./plan.js";
import { formatPath, unknownKeyFindings, zodIssuesToFindings } from "./schema-findings.js";

/** One manifest file as read from disk (or from the API), before checking. */
export interface ManifestSource {
  file: string;
  /** File name without directory and extension: must equal apprentice_type. */
  stem: string;
  /** The parsed YAML value; undefined when the file could not be parsed. */
  data: unknown;
  locate: Locator;
  /** Problems found while reading and parsing (YAML level). */
  findings: Finding[];
}

export interface CheckedManifest {
  file: string;
  stem: string;
  /** The usable manifest (invalid entries dropped), or undefined when there is none. */
  manifest?: Manifest;
  /**
   * The usable manifest's apprentice_type, set whenever `manifest` is: readable without
   * `manifest`, which a checker on another thread or an earlier run may build only when asked.
   */
  type?: string;
  findings: Finding[];
  locate: Locator;
  /** The plan entry the checker already made for this file (see {@link PlannedEntry}). */
  planned?: PlannedEntry;
}

/** A checked manifest's apprentice type: `type`, or (for one made by hand) its manifest's. */
export function typeOf(c: Pick<CheckedManifest, "type" | "manifest">): string | undefined {
  return c.type ?? c.manifest?.apprentice_type;
}

export interface CheckContext {
  limits: GlobalLimits;
  catalog?: Catalog;
}

const EXAMPLES: Record<string, string> = {
  apprentice_type: "python_patterns",
  description: '"Analyzes Python code for patterns"',
  specialization: '"async patterns"',
  required_tools: "[read_file, grep]",
  optional_tools: "[multi_edit, glob]",
  forbidden_tools: "[docker_*, database_*]",
  alternatives: "{ ast_parse: [treesitter_parse] }",
  tool_notes: '{ grep: "find pattern instances" }',
  limits: "{ max_tools: 20 }",
  max_tools: "20",
  max_tokens: "12000",
  feedback: "{ channel: issues, verbose: true }",
  requirements: '["Never modify production code"]',
};

function removeAt(data: unknown, path: DocPath): void {
  if (path.length === 0) return;
  const parent = path.slice(0, -1).reduce<unknown>((cur, seg) => (cur && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[seg as string] : undefined), data);
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof last === "number") parent[last] = REMOVED;
  else if (parent && typeof parent === "object") delete (parent as Record<PropertyKey, unknown>)[last];
}
const REMOVED = Symbol("removed");
function dropRemoved(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== REMOVED).map(dropRemoved);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dropRemoved(v)]));
  return value;
}

/**
 * Schema-checks one manifest and applies the per-file rules. A value that fails the
 * schema is reported and left out, so the rest of the file is still checked.
 */
export function checkManifest(src: ManifestSource, ctx: CheckContext): CheckedManifest {
  const out: CheckedManifest = { file: src.file, stem: src.stem, findings: [...src.findings], locate: src.locate };
  if (src.data === undefined) return out;
  const { file, data, locate } = src;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    out.findings.push(makeFinding(file, locate([], "value") ?? { line: 1, column: 1 }, "error", "yaml-not-mapping", `${file} is not a mapping of fields; it is ${Array.isArray(data) ? "a list" : "a single value"}.`, "A manifest is a set of `key: value` fields (apprentice_type, description, tools…); anything else cannot describe an apprentice.", [`Start the file with \`apprentice_type: ${src.stem}\` and \`description: "…"\`, one field per line.`]));
    return out;
  }
  const keys = Object.keys(data);
  if (keys.length > 0 && !keys.some((k) => MANIFEST_KEYS.includes(k))) {
    // A YAML file of some other kind under the manifests folder: one clear finding, not one per missing field.
    out.findings.push(makeFinding(file, locate([keys[0] as string], "key") ?? { line: 1, column: 1 }, "error", "not-a-manifest", `${file} is not an apprentice manifest: it has none of the manifest's fields (it starts with \`${keys[0]}\`).`, "Every YAML file the `manifests` glob matches is read as a manifest, so another kind of file there fails the check.", [`Move ${file} out of the manifests folder, or narrow \`manifests:\` in apprentice-tools.yml so that it does not match.`]));
    return out;
  }
  const valid = parseValidManifest(data);
  let parsed = valid ? ({ success: true, data: valid } as const) : safeParseManifest(data);
  if (!parsed.success) {
    // One at a time: a list of a hundred thousand wrong entries has as many issues.
    const issues = zodIssuesToFindings(parsed.error.issues, {
        file,
        data,
        locate,
        // The file's own name is the apprentice_type to suggest when it is a valid one.
        examples: APPRENTICE_TYPE_RE.test(src.stem) ? { ...EXAMPLES, apprentice_type: src.stem } : EXAMPLES,
        codeFor: (issue) =>
          issue.path.length === 1 && issue.path[0] === "apprentice_type" && typeof (data as Record<string, unknown>).apprentice_type === "string"
            ? {
                code: "schema-invalid-apprentice-type",
                message: `\`apprentice_type\` "${String((data as Record<string, unknown>).apprentice_type)}" is not a valid type name.`,
                guidance: "Types appear in labels, file names and client configs, so they are kept to lower case letters, digits, `_` and `-`, starting with a letter (at most 64).",
                next: [`Use a name like \`${suggestTypeName(String((data as Record<string, unknown>).apprentice_type), src.stem)}\`, and name the file after it.`],
              }
            : undefined,
    });
    for (const f of issues) out.findings.push(f);
    // Leave out what failed and read the rest, so one slip does not hide every other finding.
    const repaired = structuredClone(data) as Record<string, unknown>;
    for (const issue of parsed.error.issues) removeAt(repaired, issue.path as DocPath);
    const cleaned = dropRemoved(repaired) as Record<string, unknown>;
    cleaned.apprentice_type ??= src.stem;
    cleaned.description ??= "(missing)";
    parsed = safeParseManifest(cleaned);
    if (!parsed.success) return out;
  }
  for (const f of unknownKeyFindings(file, data, locate, { "": MANIFEST_KEYS, limits: LIMIT_KEYS, feedback: FEEDBACK_PREF_KEYS })) out.findings.push(f);
  const manifest = normalizeManifest(parsed.data);
  out.manifest = manifest;
  out.type = manifest.apprentice_type;
  if (manifest.apprentice_type !== src.stem && APPRENTICE_TYPE_RE.test(manifest.apprentice_type)) {
    out.findings.push(makeFinding(file, locate(["apprentice_type"], "value"), "error", "type-name-mismatch", `\`apprentice_type\` is \`${manifest.apprentice_type}\` but the file is named \`${src.stem}\`.`, "Spawners, the bot and reviewers find a manifest by its file name; a different type inside is found under the wrong name or not at all.", [`Rename the file to \`${manifest.apprentice_type}${file.slice(file.lastIndexOf("."))}\`, or set \`apprentice_type: ${src.stem}\`.`]));
  }
  // One at a time: a manifest of a megabyte can have more findings than a spread may pass.
  for (const f of manifestRuleFindings(file, manifest, locate, ctx)) out.findings.push(f);
  return out;
}

function suggestTypeName(raw: string, stem: string): string {
  const cleaned = raw.toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(/^[^a-z]+/, "").slice(0, 64).replace(/[_-]+$/, "");
  return APPRENTICE_TYPE_RE.test(cleaned) ? cleaned : APPRENTICE_TYPE_RE.test(stem) ? stem : "my_apprentice";
}

/** Rules across files: the same apprentice type defined twice (both places named). */
export function crossFileFindings(checked: readonly CheckedManifest[]): Finding[] {
  const seen = new Map<string, CheckedManifest>();
  const findings: Finding[] = [];
  for (const c of checked) {
    const type = typeOf(c);
    if (!type) continue;
    const first = seen.get(type);
    if (!first) {
      seen.set(type, c);
      continue;
    }
    const firstPos = first.locate(["apprentice_type"], "value");
    const where = `${first.file}${firstPos ? `:${firstPos.line}:${firstPos.column}` : ""}`;
    findings.push(makeFinding(c.file, c.locate(["apprentice_type"], "value"), "error", "type-duplicate", `Apprentice type \`${type}\` is defined twice: here and in ${where}.`, "Each apprentice type has one manifest; with two, which tools it gets would depend on file order.", [`Keep one manifest for \`${type}\`: merge the two files, or rename this type (and its file).`]));
  }
  return findings;
}

export { formatPath };
