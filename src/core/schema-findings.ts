import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import { makeFinding, type Finding, type Severity } from "./finding.js";
import type { DocPath, Locator } from "./locator.js";

/**
 * Turns zod issues and unknown keys into findings that teach. Shared by the manifest
 * and the config so that both report their mistakes the same way (rule 11).
 */

export function describeValue(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text "${value.length > 40 ? value.slice(0, 40) + "…" : value}"`;
  return `${typeof value === "number" ? "the number" : typeof value === "boolean" ? "the boolean" : typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

export function valueAt(data: unknown, path: DocPath): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

export function formatPath(path: DocPath): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? String(seg) : `.${String(seg)}`;
  return out || "(top level)";
}

export interface SchemaFindingOptions {
  file: string;
  data: unknown;
  locate: Locator;
  /** Per-field hints: what a correct value looks like. */
  examples: Record<string, string>;
  /** A special code for a path (e.g. apprentice_type's format). */
  codeFor?: (issue: z.core.$ZodIssue) => { code: string; message: string; guidance: string; next: string[] } | undefined;
}

export function zodIssuesToFindings(issues: readonly z.core.$ZodIssue[], opts: SchemaFindingOptions): Finding[] {
  return issues.map((issue) => {
    const special = opts.codeFor?.(issue);
    const path = issue.path as DocPath;
    const field = formatPath(path);
    const example = opts.examples[field] ?? opts.examples[String(path[path.length - 1] ?? "")];
    const value = valueAt(opts.data, path);
    if (special) return makeFinding(opts.file, opts.locate(path, "value"), "error", special.code, special.message, special.guidance, special.next);
    if (issue.code === "invalid_type" && value === undefined) {
      return makeFinding(opts.file, opts.locate(path.slice(0, -1), path.length > 1 ? "key" : "value") ?? { line: 1, column: 1 }, "error", "schema-missing-field", `\`${field}\` is missing.`, `\`${field}\` is required: without it the file cannot be used.`, [example ? `Add \`${field.split(".").pop()}: ${example}\`.` : `Add \`${field}\`.`]);
    }
    if (issue.code === "invalid_type") {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return makeFinding(opts.file, opts.locate(path, "value"), "error", "schema-wrong-type", `\`${field}\` should be ${expected}, but it is ${describeValue(value)}.`, "A value of the wrong type cannot be read, so this field is ignored until it is fixed.", [example ? `Write it as \`${field.split(".").pop()}: ${example}\`.` : `Change it to ${expected}.`]);
    }
    if (issue.code === "too_small" && typeof value === "string") {
      return makeFinding(opts.file, opts.locate(path, "value"), "error", "schema-empty-field", `\`${field}\` is empty.`, "An empty value says nothing to the people and programs that read it.", [example ? `Write it as \`${field.split(".").pop()}: ${example}\`.` : `Give \`${field}\` a value.`]);
    }
    return makeFinding(opts.file, opts.locate(path, "value"), "error", "schema-invalid-value", `\`${field}\` is not valid: ${issue.message}.`, "This value is outside what the format allows, so it is ignored until it is fixed.", [example ? `Write it as \`${field.split(".").pop()}: ${example}\`.` : `Correct \`${field}\`.`]);
  });
}

/** Warnings for keys the format does not know, with a did-you-mean. */
export function unknownKeyFindings(
  file: string,
  data: unknown,
  locate: Locator,
  known: Record<string, readonly string[]>,
  severity: Severity = "warning",
): Finding[] {
  const findings: Finding[] = [];
  for (const [where, keys] of Object.entries(known)) {
    const path = where === "" ? [] : where.split(".");
    const obj = valueAt(data, path);
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) continue;
    for (const key of Object.keys(obj)) {
      if (keys.includes(key)) continue;
      const guess = didYouMean(key, keys);
      const full = [...path, key].join(".");
      findings.push(
        makeFinding(file, locate([...path, key], "key"), severity, "schema-unknown-key", `Unknown key \`${full}\`.${guess ? ` Did you mean \`${guess}\`?` : ""}`, "Unknown keys are ignored, so whatever they were meant to say has no effect.", [guess ? `Rename \`${key}\` to \`${guess}\`.` : `Remove \`${key}\`, or use one of: ${keys.map((k) => `\`${k}\``).join(", ")}.`]),
      );
    }
  }
  return findings;
}
