import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FailOn } from "../core/finding.js";
import { relativeOverrides, type Overrides } from "../io/overrides.js";
import { UsageError } from "./cli-io.js";

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}; got "${value}".`, `For example: --${flag} ${fallback}`);
}

export function wholeNumber(flag: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UsageError(`--${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ""}; got "${value}".`, `For example: --${flag} ${min > 0 ? 50 : 5}`);
  }
  return Number(value);
}

export const FAIL_ON: readonly FailOn[] = ["error", "warning", "notice", "never"];

/** Options shared by check, plan and provision. */
export const COMMON_OPTIONS = {
  config: { type: "string" },
  catalog: { type: "string" },
  "max-tools": { type: "string" },
  "safety-margin": { type: "string" },
  "max-tokens": { type: "string" },
  "fail-on": { type: "string" },
  format: { type: "string", short: "f" },
  help: { type: "boolean", short: "h" },
  "no-cache": { type: "boolean" },
} as const;

/**
 * Where check and plan keep results between runs: `node_modules/.cache/apprentice-tools`
 * (the usual place, already ignored by git) when the folder has a node_modules; nowhere
 * with --no-cache or APPRENTICE_TOOLS_CACHE=0. Results never depend on it.
 */
export function cacheDirFor(cwd: string, env: Record<string, string | undefined>, values: { "no-cache"?: boolean | undefined }): string | undefined {
  if (values["no-cache"] || env.APPRENTICE_TOOLS_CACHE === "0") return undefined;
  const modules = join(cwd, "node_modules");
  return existsSync(modules) ? join(modules, ".cache", "apprentice-tools") : undefined;
}

export function overridesFrom(cwd: string, values: Record<string, string | boolean | undefined>, manifests: string[]): Overrides {
  const o: Overrides = {};
  if (typeof values.config === "string") o.config = values.config;
  if (manifests.length) o.manifests = manifests;
  if (typeof values.catalog === "string") o.catalog = values.catalog === "none" ? null : values.catalog;
  const maxTools = wholeNumber("max-tools", values["max-tools"] as string | undefined, 1);
  if (maxTools !== undefined) o.maxTools = maxTools;
  const margin = wholeNumber("safety-margin", values["safety-margin"] as string | undefined);
  if (margin !== undefined) o.safetyMargin = margin;
  const maxTokens = wholeNumber("max-tokens", values["max-tokens"] as string | undefined, 1);
  if (maxTokens !== undefined) o.maxTokens = maxTokens;
  return relativeOverrides(cwd, o);
}
