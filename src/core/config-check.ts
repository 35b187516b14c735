import { CONFIG_KEYS, ConfigSchema, FeedbackConfigSchema, GlobalLimitsSchema, ThresholdsSchema, defaultConfig, type Config } from "./config-schema.js";
import { makeFinding, type Finding } from "./finding.js";
import type { Locator } from "./locator.js";
import { unknownKeyFindings, zodIssuesToFindings } from "./schema-findings.js";

const EXAMPLES: Record<string, string> = {
  manifests: '"manifests/**/*.{yml,yaml}"',
  catalog: "manifests/catalog/",
  limits: "{ max_tools: 50, safety_margin: 5 }",
  "limits.max_tools": "50",
  "limits.safety_margin": "5",
  "limits.max_tokens": "12000",
  targets: "[claude-code, cursor]",
  fallback: "null",
  usage: "usage/",
  owners: '["@my-org/agent-maintainers"]',
  "feedback.half_life_days": "90",
  "feedback.thresholds": "{ add: 3, remove_unused: 30, replace: 3 }",
  "feedback.thresholds.add": "3",
  "feedback.thresholds.remove_unused": "30",
  "feedback.thresholds.replace": "3",
  "feedback.distinct_reporters": "true",
  "feedback.dashboard": "true",
};

/**
 * Checks the configuration file's own values (rule 11). Returns the configuration to
 * use: the file's, or the defaults when it has errors (so that the findings, not a
 * half-read configuration, decide what happens next).
 */
export function checkConfig(file: string, data: unknown, locate: Locator): { config: Config; findings: Finding[] } {
  if (data === undefined || data === null) return { config: defaultConfig(), findings: [] };
  if (typeof data !== "object" || Array.isArray(data)) {
    return {
      config: defaultConfig(),
      findings: [makeFinding(file, { line: 1, column: 1 }, "error", "config-not-mapping", `${file} is not a mapping of settings.`, "The configuration is a set of `key: value` settings; anything else cannot be read, so nothing in it applies.", ["Write settings one per line, e.g. `limits: { max_tools: 50 }`, or delete the file to use the defaults."])],
    };
  }
  const findings = unknownKeyFindings(file, data, locate, {
    "": CONFIG_KEYS,
    limits: Object.keys(GlobalLimitsSchema.shape),
    feedback: Object.keys(FeedbackConfigSchema.shape),
    "feedback.thresholds": Object.keys(ThresholdsSchema.shape),
  });
  const parsed = ConfigSchema.safeParse(data);
  if (!parsed.success) {
    findings.push(
      ...zodIssuesToFindings(parsed.error.issues, {
        file,
        data,
        locate,
        examples: EXAMPLES,
        codeFor: (issue) =>
          issue.path[0] === "targets" && issue.code === "invalid_value"
            ? { code: "config-unknown-target", message: `\`${String((data as { targets?: unknown[] }).targets?.[issue.path[1] as number])}\` is not a client apprentice-tools knows.`, guidance: "Each target brings that client's hard rules to the check; an unknown one would check nothing.", next: [`Use one of: ${issue.values.map((v) => `\`${String(v)}\``).join(", ")}.`] }
            : undefined,
      }),
    );
    return { config: defaultConfig(), findings };
  }
  return { config: parsed.data, findings };
}
