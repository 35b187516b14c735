import { z } from "zod";
import type { Overrides } from "../io/repository.js";
import { ActionInputError } from "./errors.js";

/**
 * The action's inputs: one declarative list that `action.yml`, the docs and the parser
 * share (a test keeps `action.yml` in step with it).
 */
export const INPUT_SPECS = [
  { name: "config", default: "", description: "Path of the configuration file. Default: apprentice-tools.yml or .github/apprentice-tools.yml when present." },
  { name: "manifests", default: "", description: "Manifest files, folders or globs, one per line. Default: the config's `manifests` (manifests/**/*.{yml,yaml})." },
  { name: "catalog", default: "", description: "Folder of tool catalogs, or `none` to skip availability checks. Default: the config's `catalog` (manifests/catalog/)." },
  { name: "max-tools", default: "", description: "Most tools any apprentice may be given (a whole number, at least 1). Default: the config's `limits.max_tools` (50)." },
  { name: "safety-margin", default: "", description: "Tool slots kept free under max-tools (a whole number). Default: the config's `limits.safety_margin` (5)." },
  { name: "fail-on", default: "error", description: "Fail the step on findings at or above this level: error, warning or never." },
  { name: "comment", default: "true", description: "On pull requests, keep one comment with what the pull request changes per apprentice: true or false." },
  { name: "github-token", default: "${{ github.token }}", description: "Token for the pull request comment, its changed files and, when git cannot fetch it, the base revision. Needs pull-requests: write to comment (read-only tokens skip the comment with a notice)." },
] as const;

export type InputName = (typeof INPUT_SPECS)[number]["name"];

export const FAIL_ON = ["error", "warning", "never"] as const;
export type ActionFailOn = (typeof FAIL_ON)[number];

export interface ActionInputs {
  overrides: Overrides;
  failOn: ActionFailOn;
  comment: boolean;
  token: string;
}

function wholeNumber(name: InputName, min: number) {
  return z
    .string()
    .transform((raw, ctx) => {
      const s = raw.trim();
      if (s === "") return undefined;
      if (/^\d+$/.test(s) && Number(s) >= min && Number.isSafeInteger(Number(s))) return Number(s);
      ctx.addIssue({ code: "custom", message: `${name} must be a whole number${min > 0 ? ` of at least ${min}` : " (0 or more)"}; got ${JSON.stringify(raw)}.` });
      return z.NEVER;
    });
}

function oneOf<const T extends readonly string[]>(name: InputName, allowed: T, fold: (s: string) => string = (s) => s.toLowerCase()) {
  return z.string().transform((raw, ctx) => {
    const s = fold(raw.trim());
    const found = allowed.find((a) => a === s);
    if (found !== undefined) return found as T[number];
    ctx.addIssue({ code: "custom", message: `${name} must be one of ${allowed.join(", ")}; got ${JSON.stringify(raw)}.` });
    return z.NEVER;
  });
}

const text = z.string().transform((s) => s.trim());

/** The YAML 1.2 booleans `core.getBooleanInput` accepts. */
const BOOLEAN: Record<string, boolean> = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };

const InputsSchema = z
  .object({
    config: text,
    manifests: z.string().transform((s) =>
      s
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean),
    ),
    catalog: text,
    "max-tools": wholeNumber("max-tools", 1),
    "safety-margin": wholeNumber("safety-margin", 0),
    "fail-on": oneOf("fail-on", FAIL_ON),
    comment: z.string().transform((raw, ctx) => {
      // Own keys only: `constructor` or `toString` would find Object.prototype's function.
      const key = raw.trim();
      if (Object.hasOwn(BOOLEAN, key)) return BOOLEAN[key] as boolean;
      ctx.addIssue({ code: "custom", message: `comment must be true or false; got ${JSON.stringify(raw)}.` });
      return z.NEVER;
    }),
    "github-token": text,
  })
  .superRefine((v, ctx) => {
    const max = v["max-tools"];
    const margin = v["safety-margin"];
    if (max !== undefined && margin !== undefined && margin >= max) {
      ctx.addIssue({ code: "custom", message: `safety-margin (${margin}) must be less than max-tools (${max}), or no apprentice gets any tool.` });
    }
  });

/**
 * Parses every input at once; a bad value is one failure that names the input and
 * what it accepts. An empty input takes its `action.yml` default (as a local run has none).
 */
export function parseInputs(get: (name: InputName) => string): ActionInputs {
  const raw = Object.fromEntries(
    INPUT_SPECS.map((spec) => {
      const value = get(spec.name);
      return [spec.name, value === "" && !spec.default.startsWith("${{") ? spec.default : value];
    }),
  );
  const parsed = InputsSchema.safeParse(raw);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => i.message);
    throw new ActionInputError(messages.join("\n"), "Fix the `with:` inputs of the apprentice-tools step in your workflow (see README.md for each input).");
  }
  const v = parsed.data;
  const overrides: Overrides = {};
  if (v.config) overrides.config = v.config;
  if (v.manifests.length) overrides.manifests = v.manifests;
  if (v.catalog) overrides.catalog = v.catalog.toLowerCase() === "none" ? null : v.catalog;
  if (v["max-tools"] !== undefined) overrides.maxTools = v["max-tools"];
  if (v["safety-margin"] !== undefined) overrides.safetyMargin = v["safety-margin"];
  return { overrides, failOn: v["fail-on"], comment: v.comment, token: v["github-token"] };
}
