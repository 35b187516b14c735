import type { Catalog } from "./catalog.js";
import { didYouMean } from "./did-you-mean.js";
import type { FeedbackEntry, FeedbackProblem } from "./feedback-entry.js";
import { parseFeedback, type FeedbackParseResult } from "./feedback-parse.js";
import { visibleLines } from "./khipu-parser.js";
import { apprenticeLabel, kindLabel, LABELS, toolLabel, type LabelStyle } from "./labels.js";
import type { Manifest } from "./manifest-schema.js";
import { firstMatch, isValidToolName } from "./patterns.js";

/** What the bot made of one feedback entry. */
export interface TriagedEntry {
  entry: FeedbackEntry;
  /** `accepted`: counts as evidence; `needs-info`: cannot be acted on as written. */
  verdict: "accepted" | "needs-info";
  /** The forbidden pattern that matches the tool, when it does (the entry still counts). */
  forbiddenBy?: string;
  /** True when the tool is one of the apprentice's required tools. */
  required: boolean;
  /** True when the catalog (if any) knows the tool. */
  knownTool: boolean;
  critical: boolean;
  /** What is missing or wrong, for the needs-info reply. */
  missing: string[];
  /** The known apprentice type an unknown one most likely meant. */
  suggestedType?: string;
}

export interface Triage {
  entries: TriagedEntry[];
  /** The labels the issue should carry among those the bot manages. */
  labels: LabelStyle[];
  needsInfo: boolean;
  critical: boolean;
  /** Apprentice types with critical feedback (their owners are mentioned once). */
  criticalTypes: string[];
  truncated: boolean;
  /** Problems of the whole body (e.g. a template that could not be read). */
  bodyProblems: string[];
}

export interface TriageContext {
  manifests: ReadonlyMap<string, Manifest>;
  catalog?: Catalog;
  /** The config's fallback type, if any: unknown types are then not an error. */
  fallback?: string | null;
}

function problemText(p: FeedbackProblem, known: TriageContext, entry: FeedbackEntry | undefined): string {
  if (p.kind === "missing-apprentice-type") {
    return `which apprentice type this is about (add a line \`**Apprentice**: <type>\`; known types: ${[...known.manifests.keys()].sort().map((t) => `\`${t}\``).join(", ") || "none yet"})`;
  }
  if (p.kind === "empty-tool") return `the tool's name${entry ? ` for the ${entry.kind.replace("-", " ")} entry` : ""}`;
  if (p.kind === "invalid-tool-name") return p.message;
  return p.message;
}

/**
 * Decides, for every entry of an issue, whether it is understood, whether it is
 * critical, which labels the issue carries, and what is missing. Pure: the caller
 * reads manifests and catalog and applies the result.
 */
export function triageFeedback(parsed: FeedbackParseResult, ctx: TriageContext): Triage {
  const knownTypes = [...ctx.manifests.keys()];
  const knownTools = (type: string | null) => {
    const m = type ? ctx.manifests.get(type) : undefined;
    const listed = m ? [...m.required_tools, ...m.optional_tools, ...m.forbidden_tools] : [];
    return [...listed, ...(ctx.catalog?.names() ?? [])];
  };
  const entries: TriagedEntry[] = parsed.entries.map((entry, i) => {
    const missing = parsed.problems.filter((p) => p.entry === i).map((p) => problemText(p, ctx, entry));
    const type = entry.apprentice_type;
    const manifest = type ? (ctx.manifests.get(type) ?? (ctx.fallback ? ctx.manifests.get(ctx.fallback) : undefined)) : undefined;
    let suggestedType: string | undefined;
    if (type && !manifest && !missing.some((m) => m.startsWith("which apprentice"))) {
      const guess = didYouMean(type, knownTypes);
      suggestedType = guess;
      missing.push(`a known apprentice type: no manifest defines \`${type}\`${guess ? ` (did you mean \`${guess}\`?)` : ""}`);
    }
    const toolOk = entry.tool !== "" && isValidToolName(entry.tool);
    const forbiddenBy = manifest && toolOk ? firstMatch(manifest.forbidden_tools, entry.tool, ctx.catalog?.get(entry.tool)?.server) : undefined;
    const required = Boolean(manifest && manifest.required_tools.includes(entry.tool));
    const knownTool = !ctx.catalog || ctx.catalog.has(entry.tool) || Boolean(manifest && [...manifest.required_tools, ...manifest.optional_tools].includes(entry.tool));
    if (toolOk && ctx.catalog && !knownTool && entry.kind !== "missing-tool") {
      // A problem or suggestion about a tool nobody has is most likely a typo.
      const guess = didYouMean(entry.tool, knownTools(type));
      if (guess) missing.push(`the exact tool name: \`${entry.tool}\` is not in the catalog (did you mean \`${guess}\`?)`);
    }
    const verdict = missing.length === 0 ? "accepted" : "needs-info";
    const critical = verdict === "accepted" && entry.kind === "tool-problem" && (entry.severity === "blocking" || required);
    const t: TriagedEntry = { entry, verdict, required, knownTool, critical, missing };
    if (forbiddenBy) t.forbiddenBy = forbiddenBy;
    if (suggestedType) t.suggestedType = suggestedType;
    return t;
  });

  const labels = new Map<string, LabelStyle>();
  const add = (l: LabelStyle) => labels.set(l.name, l);
  if (entries.length > 0) add(LABELS.feedback);
  for (const t of entries) {
    add(kindLabel(t.entry.kind));
    if (t.entry.apprentice_type && ctx.manifests.has(t.entry.apprentice_type)) add(apprenticeLabel(t.entry.apprentice_type));
    if (t.entry.tool && isValidToolName(t.entry.tool)) add(toolLabel(t.entry.tool));
  }
  const needsInfo = entries.some((t) => t.verdict === "needs-info") || (entries.length === 0 && parsed.problems.length > 0);
  const critical = entries.some((t) => t.critical);
  if (needsInfo) add(LABELS.needsInfo);
  if (critical) add(LABELS.critical);
  return {
    entries,
    labels: [...labels.values()],
    needsInfo,
    critical,
    criticalTypes: [...new Set(entries.filter((t) => t.critical && t.entry.apprentice_type).map((t) => t.entry.apprentice_type as string))].sort(),
    truncated: parsed.truncated,
    bodyProblems: parsed.problems.filter((p) => p.entry === null).map((p) => p.message),
  };
}

/** Labels that say an issue is (or was) about apprentice feedback. */
function isFeedbackLabel(name: string): boolean {
  return name === LABELS.feedback.name || name.startsWith("feedback:") || name.startsWith("apprentice:") || name.startsWith("tool:");
}

/** True when a body has the shape of a rendered issue form: at least two `### ` headings. */
function formShaped(body: string): boolean {
  let headings = 0;
  for (const line of visibleLines(body)) {
    if (line.startsWith("### ") && ++headings >= 2) return true;
  }
  return false;
}

/**
 * A cheap test, before the repository is read, of whether an issue may carry feedback:
 * khipu lines, a body shaped like an issue form, or a feedback label. False means the
 * issue is an ordinary one and the bot leaves it alone without reading anything else.
 */
export function mayCarryFeedback(texts: readonly string[], labels: readonly string[]): boolean {
  if (labels.some(isFeedbackLabel)) return true;
  return texts.some((text) => formShaped(text) || parseFeedback(text).entries.length > 0);
}
