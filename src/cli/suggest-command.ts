import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { rebuild, summarize } from "../core/aggregate.js";
import type { FeedbackEntry } from "../core/feedback-entry.js";
import { parseFeedback } from "../core/feedback-parse.js";
import { compileIssueForms, type IssueForms } from "../core/issue-form-parser.js";
import type { Manifest } from "../core/manifest-schema.js";
import type { ApprenticeDiff } from "../core/plan.js";
import { checkProposal, type CheckedProposal } from "../core/proposal-check.js";
import { suggest } from "../core/suggest.js";
import { MAX_USAGE_FILE_BYTES, parseUsageLines, type UsageRecord } from "../core/usage.js";
import { describeUnread, FileNotRead, isUnread, type FileSource } from "../io/file-source.js";
import { readIssueTemplates, textReaderOf } from "../io/issue-templates.js";
import { manifestSourceFromBytes } from "../io/repository.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import { COMMON_OPTIONS, overridesFrom } from "./options.js";
import { openRepository } from "./session.js";

export const SUGGEST_HELP = `Usage: apprentice-tools suggest [--issues FILE.json] [--usage DIR] [--now ISO]

Prints, as JSON, the manifest changes the bot would propose from the feedback
issues and usage summaries, each with the patched manifest text and its plan diff.

Options:
  --issues FILE.json     feedback issues as the GitHub REST API returns them, e.g.
                         gh api 'repos/OWNER/REPO/issues?labels=apprentice-feedback&state=all' --paginate --slurp | jq 'add' > issues.json
  --usage DIR            folder of usage summaries (*.jsonl); default: \`usage:\` in apprentice-tools.yml
  --now ISO              weigh evidence as of this time (default: now)
  (and --config, --catalog, --max-tools, --safety-margin, --max-tokens as for check)`;

const Login = z.object({ login: z.string() }).nullish();
const IssueSchema = z.object({
  number: z.int().positive(),
  body: z.string().nullish(),
  user: Login,
  author: Login, // `gh issue list --json` spells it so
  created_at: z.string().nullish(),
  createdAt: z.string().nullish(),
  updated_at: z.string().nullish(),
  updatedAt: z.string().nullish(),
  state: z.string().nullish(),
  state_reason: z.string().nullish(),
  stateReason: z.string().nullish(),
  html_url: z.string().nullish(),
  url: z.string().nullish(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string() })])).nullish(),
  pull_request: z.unknown().optional(),
});
type Issue = z.output<typeof IssueSchema>;

const STATE_REASONS = ["completed", "not_planned", "reopened"] as const;

function entriesOf(issue: Issue, forms: IssueForms): FeedbackEntry[] {
  const labels = (issue.labels ?? []).map((l) => (typeof l === "string" ? l : l.name));
  const typeLabel = labels.find((l) => l.startsWith("apprentice:"));
  const reason = (issue.state_reason ?? issue.stateReason ?? "").toLowerCase();
  return parseFeedback(issue.body ?? "", {
    issueNumber: issue.number,
    url: issue.html_url ?? issue.url ?? null,
    author: issue.user?.login ?? issue.author?.login ?? null,
    createdAt: issue.created_at ?? issue.createdAt ?? null,
    updatedAt: issue.updated_at ?? issue.updatedAt ?? null,
    state: (issue.state ?? "open").toLowerCase() === "closed" ? "closed" : "open",
    stateReason: (STATE_REASONS as readonly string[]).includes(reason) ? (reason as (typeof STATE_REASONS)[number]) : null,
    apprenticeType: typeLabel ? typeLabel.slice("apprentice:".length) : null,
    forms,
  }).entries;
}

async function readIssues(path: string, io: CliIO, forms: IssueForms): Promise<FeedbackEntry[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolve(io.cwd, path), "utf8"));
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(`--issues ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}.`, "Give a JSON array of issues, e.g. from: gh api 'repos/OWNER/REPO/issues?labels=apprentice-feedback&state=all' --paginate --slurp | jq 'add'");
  }
  if (!Array.isArray(json)) throw new UsageError(`--issues ${path} is not a JSON array of issues.`, "The file holds what the issues list API returns: [{number, body, user, created_at, state, state_reason, labels}, …].");
  const entries: FeedbackEntry[] = [];
  json.forEach((raw, i) => {
    const parsed = IssueSchema.safeParse(raw);
    if (!parsed.success) {
      io.stderr(`warning: ${path}: item ${i + 1} is not an issue (${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? ""}); skipped.\n`);
      return;
    }
    if (parsed.data.pull_request !== undefined) return;
    for (const e of entriesOf(parsed.data, forms)) entries.push(e);
  });
  return entries;
}

async function readUsage(source: FileSource, dir: string | null, explicit: boolean, io: CliIO): Promise<UsageRecord[]> {
  if (dir === null) return [];
  const folder = dir.replace(/^\.\//, "").replace(/\/+$/, "") || ".";
  if (!(await source.isDirectory(folder))) {
    if (explicit) throw new UsageError(`--usage ${dir} is not a folder.`, "Give the folder that holds the usage summaries (*.jsonl, one JSON object per session).");
    return [];
  }
  const records: UsageRecord[] = [];
  const decoder = new TextDecoder();
  for (const file of await source.glob([folder === "." ? "**/*.{jsonl,ndjson}" : `${folder}/**/*.{jsonl,ndjson}`])) {
    const bytes = (await source.read(file, MAX_USAGE_FILE_BYTES)) ?? new Uint8Array();
    if (isUnread(bytes)) {
      io.stderr(`warning: ${describeUnread(file, bytes, MAX_USAGE_FILE_BYTES)}; skipped.\n`);
      continue;
    }
    const result = parseUsageLines(decoder.decode(bytes), file);
    for (const r of result.records) records.push(r);
    for (const p of result.problems) io.stderr(`warning: ${p.file}:${p.line ?? 1}: ${p.message}\n`);
  }
  return records;
}

function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ok = z.iso.datetime({ offset: true }).safeParse(value).success || z.iso.date().safeParse(value).success;
  if (!ok) throw new UsageError(`--now must be an ISO 8601 time; got "${value}".`, "For example: --now 2026-11-01T12:00:00Z");
  return new Date(value);
}

function compactDiff(d: ApprenticeDiff | undefined): unknown {
  if (!d) return null;
  const { before, after, ...rest } = d;
  return { ...rest, tools_before: before?.tools ?? [], tools_after: after?.tools ?? [], status_after: after?.status ?? null };
}

export async function suggestCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, issues: { type: "string" }, usage: { type: "string" }, now: { type: "string" } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.stdout(SUGGEST_HELP + "\n");
    return EXIT.ok;
  }
  const now = parseNow(values.now);
  const repo = await openRepository(io.cwd, overridesFrom(io.cwd, values, []));
  const { config, catalog, tokensOf, source } = repo.loaded;
  const forms = compileIssueForms(await readIssueTemplates(textReaderOf(source)));
  const entries = values.issues !== undefined ? await readIssues(values.issues, io, forms) : [];
  const usage = await readUsage(source, values.usage ?? config.usage, values.usage !== undefined, io);

  const evidence = summarize(rebuild(entries), now, config.feedback, usage);
  const manifests: Manifest[] = [];
  const fileOf = new Map<string, string>();
  for (const c of repo.check.checked) {
    if (!c.manifest || fileOf.has(c.manifest.apprentice_type)) continue;
    manifests.push(c.manifest);
    fileOf.set(c.manifest.apprentice_type, c.file);
  }
  const { proposals, blocked } = suggest(evidence, manifests, catalog ? { thresholds: config.feedback.thresholds, catalog } : { thresholds: config.feedback.thresholds });

  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const checked: (CheckedProposal & { file: string })[] = [];
  for (const proposal of proposals) {
    const file = fileOf.get(proposal.apprentice_type) as string;
    const bytes = (await source.read(file)) ?? new Uint8Array();
    // Checked a moment ago; replaced since by something that is not a manifest.
    if (isUnread(bytes)) throw new FileNotRead(file, bytes);
    const text = decoder.decode(bytes);
    const ctx: Parameters<typeof checkProposal>[1] = { file, text, toSource: (f, t) => manifestSourceFromBytes(f, encoder.encode(t)), limits: config.limits };
    if (catalog) ctx.catalog = catalog;
    if (tokensOf) ctx.tokensOf = tokensOf;
    checked.push({ ...checkProposal(proposal, ctx), file });
  }
  const out = {
    now: evidence.now,
    proposals: checked.filter((c) => c.accepted).map((c) => ({ ...c.proposal, file: c.file, patched_manifest: c.patchedText, plan_diff: compactDiff(c.diff), new_findings: c.newFindings })),
    blocked,
    rejected: checked.filter((c) => !c.accepted).map((c) => ({ ...c.proposal, file: c.file, reason: c.rejectedWhy ?? "", plan_diff: compactDiff(c.diff) })),
  };
  io.stdout(JSON.stringify(out, null, 2) + "\n");
  return repo.loaded.configBroken ? EXIT.usage : EXIT.ok;
}
