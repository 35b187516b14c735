import { z } from "zod";

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

export function normalizeManifest(m: ParsedManifest): Manifest {
  const out: Manifest = {
    apprentice_type: m.apprentice_type,
    description: m.description,
    required_tools: m.required_tools ?? [],
    optional_tools: m.optional_tools ?? [],
    forbidden_tools: m.forbidden_tools ?? [],
    alternatives: m.alternatives ?? {},
    tool_notes: m.tool_notes ?? {},
    limits: m.limits ?? {},
    requirements: m.requirements ?? [],
  };
  if (m.specialization !== undefined) out.specialization = m.specialization;
  if (m.feedback !== undefined) out.feedback = m.feedback;
  return out;
}

export const MANIFEST_KEYS: readonly string[] = Object.keys(ManifestSchema.shape);
export const LIMIT_KEYS: readonly string[] = Object.keys(LimitsOverrideSchema.shape);
export const FEEDBACK_PREF_KEYS: readonly string[] = Object.keys(FeedbackPreferencesSchema.shape);
