import { z } from "zod";
import { withProtoEntry } from "./proto-key.js";

/**
 * The manifest format v1 (DESIGN §2). One declarative schema feeds validation, the
 * generated JSON Schema (editor completion) and the TypeScript types.
 *
 * List entries are plain strings here; whether each is a valid name or pattern is a
 * rule of its own (`validate.ts`) so that the message can say exactly what is wrong.
 */

export const APPRENTICE_TYPE_RE = /^[a-z][a-z0-9_-]{0,63}$/;

// A list whose entries are all commented out reads as null: that is an empty list, not a mistake.
const toolList = (description: string) => z.array(z.string()).nullable().meta({ description: `${description} Empty (or every entry commented out) means none.` });

export const LimitsOverrideSchema = z
  .object({
    max_tools: z.int().positive().optional().meta({ description: "At most this many tools for this apprentice (may only tighten the global limit)." }),
    max_tokens: z.int().positive().optional().meta({ description: "Token budget of this apprentice's tool definitions (may only tighten the global limit)." }),
  })
  .meta({ description: "Limits for this apprentice; they may only tighten the global ones." });

export const FeedbackPreferencesSchema = z
  .object({
    channel: z.string().optional().meta({ description: "Where the apprentice files feedback: `issues` or `khipu`." }),
    verbose: z.boolean().optional().meta({ description: "Detailed feedback about tool limitations." }),
  })
  .meta({ description: "How this apprentice gives feedback." });

export const ManifestSchema = z
  .object({
    apprentice_type: z
      .string()
      .regex(APPRENTICE_TYPE_RE)
      .meta({ description: "The apprentice type: lower case, starts with a letter, then letters, digits, `_` or `-` (at most 64). Must equal the file's name without extension." }),
    description: z.string().min(1).meta({ description: "What this apprentice does." }),
    specialization: z.string().optional().meta({ description: "Free text: what it specialises in." }),
    required_tools: toolList("Exact tool names the apprentice cannot work without, in order.").optional(),
    optional_tools: toolList("Tool names or patterns (`*`, `?`, bare `mcp__<server>`), in priority order (first = most wanted).").optional(),
    forbidden_tools: toolList("Tool names or patterns never provisioned. Forbidden always wins.").optional(),
    alternatives: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: "Substitutes for a tool when it is unavailable, first available wins." }),
    tool_notes: z.record(z.string(), z.string()).optional().meta({ description: "Why each tool is given; keys should be listed tools." }),
    limits: LimitsOverrideSchema.optional(),
    feedback: FeedbackPreferencesSchema.optional(),
    requirements: z.array(z.string()).optional().meta({ description: "Free-text requirements for the apprentice." }),
  })
  .meta({
    title: "apprentice-tools manifest (v1)",
    description: "Which MCP tools one type of AI agent (apprentice) must have, may have and must never have.",
  });

export type ManifestInput = z.input<typeof ManifestSchema>;
export type ParsedManifest = z.output<typeof ManifestSchema>;

/** A manifest with every list present (defaults applied). */
export interface Manifest {
  apprentice_type: string;
  description: string;
  specialization?: string;
  required_tools: string[];
  optional_tools: string[];
  forbidden_tools: string[];
  alternatives: Record<string, string[]>;
  tool_notes: Record<string, string>;
  limits: { max_tools?: number; max_tokens?: number };
  feedback?: { channel?: string; verbose?: boolean };
  requirements: string[];
}

/**
 * The value under a tool name in one of a manifest's maps (`alternatives`, `tool_notes`),
 * if the manifest has one: never something inherited, such as `constructor` or
 * `__defineGetter__`, which are tool names like any other.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, tool: string): T | undefined {
  return Object.hasOwn(record, tool) ? record[tool] : undefined;
}

/**
 * Every manifest has the same fields in the same order (`specialization` and `feedback`
 * undefined when not written), so that the rules and provisioning, which read them for
 * every manifest of a fleet, meet one object shape: the JIT optimizes that code once
 * instead of throwing it away for each new combination of fields.
 */
export function normalizeManifest(m: ParsedManifest): Manifest {
  return {
    apprentice_type: m.apprentice_type,
    description: m.description,
    specialization: m.specialization,
    required_tools: m.required_tools ?? [],
    optional_tools: m.optional_tools ?? [],
    forbidden_tools: m.forbidden_tools ?? [],
    alternatives: m.alternatives ?? {},
    tool_notes: m.tool_notes ?? {},
    limits: m.limits ?? {},
    feedback: m.feedback,
    requirements: m.requirements ?? [],
  };
}

/**
 * `ManifestSchema.safeParse`, keeping the entries of `alternatives` and `tool_notes` under
 * `__proto__` (a valid tool name, which zod leaves out of records and `parseValidManifest` keeps).
 */
export function safeParseManifest(data: unknown): ReturnType<typeof ManifestSchema.safeParse> {
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success || !isPlainObject(data)) return parsed;
  const { alternatives, tool_notes } = parsed.data;
  if (alternatives !== undefined) parsed.data.alternatives = withProtoEntry(alternatives, data.alternatives, isStringList);
  if (tool_notes !== undefined) parsed.data.tool_notes = withProtoEntry(tool_notes, data.tool_notes, (v): v is string => typeof v === "string");
  return parsed;
}

export const MANIFEST_KEYS: readonly string[] = Object.keys(ManifestSchema.shape);
export const LIMIT_KEYS: readonly string[] = Object.keys(LimitsOverrideSchema.shape);
export const FEEDBACK_PREF_KEYS: readonly string[] = Object.keys(FeedbackPreferencesSchema.shape);

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isStringList = (v: unknown): v is string[] => {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== "string") return false;
  return true;
};
const isPositiveInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/** A key present with the value undefined (zod keeps such keys; YAML never writes them): left to zod. */
function hasUndefined(o: Record<string, unknown>): boolean {
  for (const key in o) {
    const v = o[key];
    if (v === undefined) return true;
    if (isPlainObject(v)) for (const k in v) if (v[k] === undefined) return true;
  }
  return false;
}

/**
 * `ManifestSchema.parse(data)` for a manifest that is valid as written, or undefined for
 * anything else (the caller then asks zod, which says what is wrong). Nearly every
 * manifest of a fleet is valid, and zod's general machinery (a result object per list
 * entry) was a fifth of a large check; this reads the same schema in one pass. A property
 * test keeps the two in step: whenever this answers, zod succeeds with the same value
 * (test/core/manifest-schema.test.ts).
 */
export function parseValidManifest(data: unknown): ParsedManifest | undefined {
  if (!isPlainObject(data) || hasUndefined(data)) return undefined;
  const { apprentice_type, description, specialization, required_tools, optional_tools, forbidden_tools, alternatives, tool_notes, limits, feedback, requirements } = data;
  if (typeof apprentice_type !== "string" || !APPRENTICE_TYPE_RE.test(apprentice_type)) return undefined;
  if (typeof description !== "string" || description.length === 0) return undefined;
  const out: ParsedManifest = { apprentice_type, description };
  if (specialization !== undefined) {
    if (typeof specialization !== "string") return undefined;
    out.specialization = specialization;
  }
  if (required_tools !== undefined) {
    if (required_tools !== null && !isStringList(required_tools)) return undefined;
    out.required_tools = required_tools === null ? null : required_tools.slice();
  }
  if (optional_tools !== undefined) {
    if (optional_tools !== null && !isStringList(optional_tools)) return undefined;
    out.optional_tools = optional_tools === null ? null : optional_tools.slice();
  }
  if (forbidden_tools !== undefined) {
    if (forbidden_tools !== null && !isStringList(forbidden_tools)) return undefined;
    out.forbidden_tools = forbidden_tools === null ? null : forbidden_tools.slice();
  }
  // Keyed by tool name, and `__proto__` is one: filled without a prototype (on `{}`, that key
  // would set the prototype), then given the usual one.
  if (alternatives !== undefined) {
    if (!isPlainObject(alternatives)) return undefined;
    const copy = Object.create(null) as Record<string, string[]>;
    for (const key of Object.keys(alternatives)) {
      const alts = alternatives[key];
      if (!isStringList(alts)) return undefined;
      copy[key] = alts.slice();
    }
    out.alternatives = Object.setPrototypeOf(copy, Object.prototype) as Record<string, string[]>;
  }
  if (tool_notes !== undefined) {
    if (!isPlainObject(tool_notes)) return undefined;
    const copy = Object.create(null) as Record<string, string>;
    for (const key of Object.keys(tool_notes)) {
      const note = tool_notes[key];
      if (typeof note !== "string") return undefined;
      copy[key] = note;
    }
    out.tool_notes = Object.setPrototypeOf(copy, Object.prototype) as Record<string, string>;
  }
  if (limits !== undefined) {
    if (!isPlainObject(limits)) return undefined;
    const copy: NonNullable<ParsedManifest["limits"]> = {};
    if (limits.max_tools !== undefined) {
      if (!isPositiveInt(limits.max_tools)) return undefined;
      copy.max_tools = limits.max_tools;
    }
    if (limits.max_tokens !== undefined) {
      if (!isPositiveInt(limits.max_tokens)) return undefined;
      copy.max_tokens = limits.max_tokens;
    }
    out.limits = copy;
  }
  if (feedback !== undefined) {
    if (!isPlainObject(feedback)) return undefined;
    const copy: NonNullable<ParsedManifest["feedback"]> = {};
    if (feedback.channel !== undefined) {
      if (typeof feedback.channel !== "string") return undefined;
      copy.channel = feedback.channel;
    }
    if (feedback.verbose !== undefined) {
      if (typeof feedback.verbose !== "boolean") return undefined;
      copy.verbose = feedback.verbose;
    }
    out.feedback = copy;
  }
  if (requirements !== undefined) {
    if (!isStringList(requirements)) return undefined;
    out.requirements = requirements.slice();
  }
  return out;
}
