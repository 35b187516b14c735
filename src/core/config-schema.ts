import { z } from "zod";

/** Clients whose hard rules the check knows (see `targets.ts`). */
export const TARGET_IDS = ["claude-code", "cursor", "vscode", "openai", "windsurf", "gemini"] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export const DEFAULT_MANIFEST_GLOB = "manifests/**/*.{yml,yaml}";
export const DEFAULT_CATALOG = "manifests/catalog/";

export const GlobalLimitsSchema = z
  .object({
    max_tools: z.int().positive().default(50).meta({ description: "Most tools any apprentice may be given." }),
    safety_margin: z.int().nonnegative().default(5).meta({ description: "Slots kept free under max_tools." }),
    max_tokens: z.int().positive().nullable().default(null).meta({ description: "Token budget of an apprentice's tool definitions (null = none)." }),
  })
  .meta({ description: "Global limits; manifests may only tighten them." });

export const ThresholdsSchema = z.object({
  add: z.number().positive().default(3),
  remove_unused: z.int().positive().default(30),
  replace: z.number().positive().default(3),
});

export const FeedbackConfigSchema = z.object({
  half_life_days: z.number().positive().default(90),
  thresholds: ThresholdsSchema.prefault({}),
  distinct_reporters: z.boolean().default(true),
  dashboard: z.boolean().default(true).meta({ description: "Keep a dashboard issue (false turns it off)." }),
});

export const ConfigSchema = z
  .object({
    manifests: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default(DEFAULT_MANIFEST_GLOB)
      .meta({ description: "Glob(s) of the manifest files, relative to the repository root." }),
    catalog: z
      .string()
      .min(1)
      .nullable()
      .default(DEFAULT_CATALOG)
      .meta({ description: "Folder of tool catalogs (MCP tools/list JSON or name lists, one file per server), or an MCP client config (.mcp.json). Absent folder = availability unchecked." }),
    limits: GlobalLimitsSchema.prefault({}),
    targets: z.array(z.enum(TARGET_IDS)).default([]).meta({ description: "Clients whose hard rules are checked." }),
    fallback: z.string().nullable().default(null).meta({ description: "Manifest used for unknown apprentice types (null = error)." }),
    feedback: FeedbackConfigSchema.prefault({}),
    usage: z.string().nullable().default("usage/").meta({ description: "Folder of usage summaries (JSON Lines)." }),
    owners: z.array(z.string()).default([]).meta({ description: "Who to mention for critical feedback when CODEOWNERS names nobody." }),
  })
  .meta({ title: "apprentice-tools configuration" });

export type Config = z.output<typeof ConfigSchema>;
export type GlobalLimits = z.output<typeof GlobalLimitsSchema>;

export const CONFIG_KEYS: readonly string[] = Object.keys(ConfigSchema.shape);

/** The configuration a repository without a config file gets. */
export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
