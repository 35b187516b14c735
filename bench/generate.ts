/**
 * Generates a benchmark corpus: N Mallku-style manifests (with comments) and a
 * T-tool catalog in MCP `tools/list` form, deterministically from a seed.
 *
 *   node --import tsx bench/generate.ts [N] [T]     (defaults 10000 5000)
 *
 * Every manifest is schema-valid and clean against the catalog (no errors), so the
 * comparison with schema-only validation is fair: the check does all of its work.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { firstMatch } from "../src/core/patterns.js";

/** Bumped whenever the output changes, so that stale corpora are regenerated. */
const GENERATOR_VERSION = 3;
const SEED = 0x6d616c6b; // "malk"

export const CORPUS_ROOT = fileURLToPath(new URL("./.corpus/", import.meta.url));

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Skewed towards the front of the list: fleets use a few tools a lot. */
  pickSkewed<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() ** 2.2 * items.length)] as T;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// The catalog

interface ServerSpec {
  name: string;
  /** Tool name prefix (`github` → `github_list_issues`); "" for unprefixed core tools. */
  prefix: string;
  title: string;
  nouns: string[];
  /** Hand-written tools that every fleet has (read_file, grep…). */
  fixed?: string[];
}

const SERVERS: ServerSpec[] = [
  { name: "filesystem", prefix: "fs", title: "the local file system", nouns: ["file", "directory", "symlink", "file_metadata", "file_permissions", "archive", "tree", "file_hash"], fixed: ["read_file", "write_file", "edit_file", "multi_edit", "grep", "glob", "list_directory", "move_file", "search_files", "read_multiple_files"] },
  { name: "shell", prefix: "shell", title: "a sandboxed shell", nouns: ["command", "process", "environment", "job", "script", "session"], fixed: ["bash", "run_command"] },
  { name: "web", prefix: "web", title: "the public web", nouns: ["page", "search_result", "feed", "sitemap", "screenshot", "link"], fixed: ["web_search", "web_fetch"] },
  { name: "code-analysis", prefix: "code", title: "the code-analysis server", nouns: ["symbol", "reference", "definition", "call_graph", "ast", "diagnostic", "complexity_report", "dependency_graph"], fixed: ["ast_parse", "treesitter_parse", "treesitter_query", "find_references", "go_to_definition", "rename_symbol", "regex_search", "lint_python", "type_check", "format_python"] },
  { name: "git", prefix: "git", title: "a local Git repository", nouns: ["commit", "branch", "tag", "diff", "log", "stash", "remote", "blame", "worktree", "submodule", "reflog", "note"] },
  { name: "github", prefix: "github", title: "GitHub", nouns: ["issue", "pull_request", "pull_request_review", "pull_request_files", "repository", "branch", "release", "workflow_run", "check_run", "label", "milestone", "discussion", "gist", "commit_status", "code_scanning_alert", "deployment"] },
  { name: "gitlab", prefix: "gitlab", title: "GitLab", nouns: ["merge_request", "issue", "pipeline", "project", "job", "runner", "snippet", "environment"] },
  { name: "docker", prefix: "docker", title: "the Docker engine", nouns: ["container", "image", "volume", "network", "compose_stack", "container_logs", "registry_tag"] },
  { name: "kubernetes", prefix: "k8s", title: "a Kubernetes cluster", nouns: ["pod", "deployment", "service", "config_map", "secret", "namespace", "ingress", "cron_job", "node", "pod_logs"] },
  { name: "database", prefix: "database", title: "the application database", nouns: ["table", "row", "query", "schema", "index", "migration", "view", "transaction", "backup"] },
  { name: "postgres", prefix: "pg", title: "PostgreSQL", nouns: ["table", "query_plan", "extension", "role", "replication_slot", "vacuum_report", "lock", "sequence"] },
  { name: "redis", prefix: "redis", title: "Redis", nouns: ["key", "hash", "stream", "list", "set", "pubsub_channel"] },
  { name: "slack", prefix: "slack", title: "Slack", nouns: ["message", "channel", "thread", "reaction", "user", "file", "reminder"] },
  { name: "discord", prefix: "discord", title: "Discord", nouns: ["message", "channel", "thread", "guild", "member", "role"] },
  { name: "jira", prefix: "jira", title: "Jira", nouns: ["issue", "sprint", "board", "epic", "worklog", "comment", "project", "transition"] },
  { name: "linear", prefix: "linear", title: "Linear", nouns: ["issue", "cycle", "project", "team", "comment", "label"] },
  { name: "sentry", prefix: "sentry", title: "Sentry", nouns: ["issue", "event", "release", "alert_rule", "project", "stack_trace"] },
  { name: "aws", prefix: "aws", title: "Amazon Web Services", nouns: ["s3_object", "s3_bucket", "lambda_function", "ec2_instance", "cloudwatch_log", "iam_role", "sqs_queue", "dynamodb_item"] },
  { name: "gcp", prefix: "gcp", title: "Google Cloud", nouns: ["storage_object", "bucket", "cloud_run_service", "pubsub_topic", "bigquery_table", "log_entry"] },
  { name: "notion", prefix: "notion", title: "Notion", nouns: ["page", "database", "block", "comment", "user"] },
  { name: "docs", prefix: "docs", title: "the documentation site", nouns: ["page", "section", "api_reference", "changelog_entry", "example", "glossary_term"] },
  { name: "memory", prefix: "memory", title: "the agent's long-term memory", nouns: ["entity", "relation", "observation", "note"] },
  { name: "calendar", prefix: "calendar", title: "the team calendar", nouns: ["event", "attendee", "availability", "room"] },
  { name: "email", prefix: "email", title: "the team mailbox", nouns: ["message", "draft", "thread", "attachment", "folder"] },
  { name: "browser", prefix: "browser", title: "a headless browser", nouns: ["page", "element", "screenshot", "cookie", "console_log", "network_request"] },
];

const VERBS = ["get", "list", "search", "create", "update", "delete", "read", "write", "describe", "watch", "export", "import", "sync", "archive", "restore", "validate", "diff", "apply", "close", "merge", "comment_on", "tag", "count", "summarize", "rollback", "move", "copy", "lock", "unlock", "publish"];
const QUALIFIERS = ["", "", "", "by_id", "batch", "details", "history", "metadata", "status", "summary", "stream", "page", "recent", "all", "tree"];
const DESTRUCTIVE = new Set(["delete", "write", "update", "apply", "merge", "rollback", "move", "publish", "import", "close", "lock", "unlock", "archive", "restore", "create"]);

const PARAMS: Record<string, { type: string; description: string; extra?: Record<string, unknown> }> = {
  path: { type: "string", description: "Path relative to the workspace root." },
  id: { type: "string", description: "Identifier of the object." },
  query: { type: "string", description: "Search text; supports quoted phrases and `-` to exclude terms." },
  limit: { type: "integer", description: "Maximum number of results.", extra: { minimum: 1, maximum: 100, default: 30 } },
  cursor: { type: "string", description: "Opaque cursor from a previous page of results." },
  owner: { type: "string", description: "Account that owns the repository (user or organisation)." },
  repo: { type: "string", description: "Repository name without the owner." },
  branch: { type: "string", description: "Branch name; defaults to the default branch." },
  state: { type: "string", description: "Filter by state.", extra: { enum: ["open", "closed", "all"] } },
  since: { type: "string", description: "Only objects changed after this ISO 8601 timestamp.", extra: { format: "date-time" } },
  namespace: { type: "string", description: "Namespace to act in." },
  name: { type: "string", description: "Name of the object." },
  body: { type: "string", description: "Text body (Markdown)." },
  labels: { type: "array", description: "Labels to apply.", extra: { items: { type: "string" } } },
  dry_run: { type: "boolean", description: "Report what would change without changing anything.", extra: { default: false } },
  recursive: { type: "boolean", description: "Include nested objects." },
  timeout_seconds: { type: "integer", description: "Give up after this many seconds.", extra: { minimum: 1, maximum: 600 } },
  fields: { type: "array", description: "Only return these fields.", extra: { items: { type: "string" } } },
  sort: { type: "string", description: "Sort order.", extra: { enum: ["created", "updated", "name"] } },
  content: { type: "string", description: "New content, replacing the old one entirely." },
};
const PARAM_NAMES = Object.keys(PARAMS);

const VERB_PHRASES: Record<string, string> = {
  get: "Fetch one", list: "List the", search: "Search the", create: "Create a new", update: "Update an existing", delete: "Permanently delete a", read: "Read the contents of a", write: "Write a",
  describe: "Describe the configuration of a", watch: "Watch for changes to a", export: "Export a", import: "Import a", sync: "Synchronise a", archive: "Archive a", restore: "Restore an archived",
  validate: "Validate a", diff: "Show the differences between two versions of a", apply: "Apply a prepared change to a", close: "Close a", merge: "Merge a", comment_on: "Add a comment to a",
  tag: "Attach a tag to a", count: "Count the", summarize: "Summarise the", rollback: "Roll back the last change to a", move: "Move a", copy: "Copy a", lock: "Lock a", unlock: "Unlock a", publish: "Publish a",
};
const QUALIFIER_PHRASES: Record<string, string> = {
  "": "", by_id: " given its identifier", batch: ", many at once (up to 100 per call)", details: ", with every field expanded", history: ", with its full change history", metadata: " (metadata only, not the contents)",
  status: " and report its current status", summary: " as a short summary", stream: ", streaming results as they arrive", page: ", one page at a time", recent: " changed in the last 30 days", all: " across every project you can access", tree: " and everything nested under it",
};
const EXTRA_SENTENCES = [
  "Results are sorted by most recently updated first.",
  "Requires read access; returns an error naming the missing permission otherwise.",
  "Large results are truncated; use the cursor to page through the rest.",
  "Does not follow symbolic links outside the workspace.",
  "Rate limited to 30 calls per minute per token.",
  "The call is idempotent: repeating it with the same arguments has no further effect.",
  "Use the dry_run flag first when acting on production resources.",
  "Returns JSON; binary content is base64-encoded.",
  "",
  "",
];

export interface GeneratedTool {
  name: string;
  server: string;
  destructive: boolean;
}

interface ToolJson {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: "object"; properties: Record<string, unknown>; required: string[]; additionalProperties: false };
  annotations: Record<string, unknown>;
}

function titleCase(snake: string): string {
  return snake
    .split("_")
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(" ");
}

function makeToolJson(rnd: Random, name: string, server: ServerSpec, verb: string, noun: string, qualifier: string): ToolJson {
  const nounText = noun.replace(/_/g, " ");
  const phrase = VERB_PHRASES[verb] ?? titleCase(verb);
  const plural = verb === "list" || verb === "count" || verb === "summarize" || verb === "search";
  const description = `${phrase} ${nounText}${plural ? "s" : ""} in ${server.title}${QUALIFIER_PHRASES[qualifier] ?? ""}. ${rnd.pick(EXTRA_SENTENCES)}`.trim();
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const count = rnd.int(1, 6);
  for (const p of rnd.shuffle(PARAM_NAMES).slice(0, count)) {
    const spec = PARAMS[p] as (typeof PARAMS)[string];
    properties[p] = { type: spec.type, description: spec.description, ...spec.extra };
    if (required.length < 2 && rnd.chance(0.5)) required.push(p);
  }
  const destructive = DESTRUCTIVE.has(verb);
  return {
    name,
    title: titleCase(name),
    description,
    inputSchema: { type: "object", properties, required, additionalProperties: false },
    annotations: { title: titleCase(name), readOnlyHint: !destructive, destructiveHint: destructive && (verb === "delete" || verb === "rollback"), openWorldHint: server.name !== "filesystem" },
  };
}

/** T tools spread over the servers, in tools/list form, one file per server. */
export function generateCatalog(totalTools: number, seed = SEED): { files: Map<string, { tools: ToolJson[] }>; tools: GeneratedTool[] } {
  const rnd = new Random(seed ^ 0x5eed);
  const perServer = new Map<string, ToolJson[]>(SERVERS.map((s) => [s.name, []]));
  const all: GeneratedTool[] = [];
  const seen = new Set<string>();
  const add = (server: ServerSpec, json: ToolJson) => {
    seen.add(json.name);
    perServer.get(server.name)?.push(json);
    all.push({ name: json.name, server: server.name, destructive: json.annotations.readOnlyHint === false });
  };
  for (const s of SERVERS) {
    for (const name of s.fixed ?? []) {
      const verb = name.split("_")[0] ?? "get";
      add(s, makeToolJson(rnd, name, s, VERB_PHRASES[verb] ? verb : "get", name.replace(/^[a-z]+_/, ""), ""));
    }
  }
  // Round-robin over servers so that every server grows at a similar rate.
  const combos = SERVERS.map((s) => rnd.shuffle(s.nouns.flatMap((noun) => VERBS.flatMap((verb) => QUALIFIERS.filter((_q, i) => i < 4 || rnd.chance(0.35)).map((q) => ({ verb, noun, q }))))));
  const next = SERVERS.map(() => 0);
  while (all.length < totalTools) {
    let progressed = false;
    for (let i = 0; i < SERVERS.length && all.length < totalTools; i++) {
      const s = SERVERS[i] as ServerSpec;
      const list = combos[i] as { verb: string; noun: string; q: string }[];
      while ((next[i] as number) < list.length) {
        const c = list[(next[i] as number)++] as { verb: string; noun: string; q: string };
        const name = [s.prefix, c.verb, c.noun, c.q].filter(Boolean).join("_");
        if (seen.has(name)) continue;
        add(s, makeToolJson(rnd, name, s, c.verb, c.noun, c.q));
        progressed = true;
        break;
      }
    }
    if (!progressed) throw new Error(`cannot generate ${totalTools} distinct tool names`);
  }
  const files = new Map<string, { tools: ToolJson[] }>();
  for (const [server, tools] of perServer) if (tools.length) files.set(server, { tools });
  return { files, tools: all };
}

// ---------------------------------------------------------------------------
// The manifests

const DOMAINS = ["python", "rust", "go", "typescript", "java", "kotlin", "swift", "docs", "infra", "release", "security", "data", "frontend", "api", "ml", "mobile", "sre", "billing", "search", "platform"];
const ROLES = ["patterns_reviewer", "test_guardian", "documentation_weaver", "refactoring_surgeon", "dependency_auditor", "migration_pilot", "incident_triager", "changelog_scribe", "performance_analyst", "schema_keeper", "ci_doctor", "api_steward", "style_enforcer", "onboarding_guide", "backlog_groomer"];
const FOCUS: Record<string, string[]> = {
  python: ["code-analysis", "git", "github"], rust: ["code-analysis", "git", "github"], go: ["code-analysis", "git", "gitlab"], typescript: ["code-analysis", "git", "github", "browser"],
  java: ["code-analysis", "git", "jira"], kotlin: ["code-analysis", "git", "github"], swift: ["code-analysis", "git", "github"], docs: ["docs", "web", "github", "notion"],
  infra: ["docker", "kubernetes", "aws", "gcp", "git"], release: ["github", "git", "slack", "sentry"], security: ["code-analysis", "github", "sentry", "aws"], data: ["database", "postgres", "gcp", "redis"],
  frontend: ["browser", "code-analysis", "github", "web"], api: ["github", "code-analysis", "docs", "postgres"], ml: ["gcp", "aws", "database", "memory"], mobile: ["code-analysis", "github", "jira"],
  sre: ["kubernetes", "sentry", "slack", "aws", "docker"], billing: ["database", "postgres", "email", "linear"], search: ["redis", "database", "web", "code-analysis"], platform: ["kubernetes", "docker", "gitlab", "calendar", "memory"],
};
const REQUIREMENTS = [
  "Never modify production code without a reviewed pull request",
  "Cite the documentation page behind each claim",
  "Say when a finding is a matter of taste rather than a bug",
  "Ask before touching anything outside the repository",
  "Keep every change small enough to review in ten minutes",
  "Report every tool failure as feedback, with the exact error",
  "Leave one summary comment per run, never one per finding",
];
const NOTE_TEXT = [
  "Primary tool: use it before anything else",
  "Only for reading; never to change state",
  "Use sparingly, it is rate limited",
  "Prefer the batch form when touching more than five objects",
  "Needed to cross-check findings against history",
  "Fallback when the structured tools are unavailable",
  "Run with a timeout of 60 seconds at most",
  "Only on branches created by this apprentice",
];
const COMMENTS = ["read changed files in full", "find other instances", "structural checks", "post one review", "cheap cases first", "who changed this and when", "history of the file", "only in dry-run mode", "link the docs behind a claim", "batch edits", "for flaky tests", "status of the pipeline"];

interface CatalogIndex {
  byServer: Map<string, GeneratedTool[]>;
  names: string[];
  serverOf: Map<string, string>;
}

function indexCatalog(tools: readonly GeneratedTool[]): CatalogIndex {
  const byServer = new Map<string, GeneratedTool[]>();
  const serverOf = new Map<string, string>();
  for (const t of tools) {
    const list = byServer.get(t.server);
    if (list) list.push(t);
    else byServer.set(t.server, [t]);
    serverOf.set(t.name, t.server);
  }
  return { byServer, names: tools.map((t) => t.name), serverOf };
}

function prefixOf(server: string): string {
  return SERVERS.find((s) => s.name === server)?.prefix ?? server;
}

function yamlList(key: string, items: readonly string[], comment: (item: string) => string | undefined): string {
  if (items.length === 0) return `${key}: []\n`;
  let out = `${key}:\n`;
  for (const item of items) {
    const c = comment(item);
    out += `  - ${item}${c ? `${" ".repeat(Math.max(1, 28 - item.length))}# ${c}` : ""}\n`;
  }
  return out;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** One manifest, as text. `cat` is the catalog it must be clean against. */
function generateManifest(rnd: Random, type: string, cat: CatalogIndex, domain: string): string {
  const focus = FOCUS[domain] ?? ["git"];
  const core = [...(cat.byServer.get("filesystem") ?? []).filter((t) => !t.name.startsWith("fs_")), ...(cat.byServer.get("shell") ?? []).filter((t) => !t.name.startsWith("shell_"))];
  const focusTools = focus.flatMap((s) => cat.byServer.get(s) ?? []);
  const allowedServers = new Set(["filesystem", "shell", "web", ...focus]);
  const otherServers = SERVERS.map((s) => s.name).filter((s) => !allowedServers.has(s));

  // Forbidden: whole other servers (by prefix glob or bare server) and destructive verbs of the focus servers.
  const forbidden: string[] = [];
  const nForbidden = rnd.int(3, 20);
  for (const s of rnd.shuffle(otherServers)) {
    if (forbidden.length >= nForbidden) break;
    forbidden.push(rnd.chance(0.3) ? `mcp__${s}` : `${prefixOf(s)}_*`);
  }
  for (const s of rnd.shuffle(focus)) {
    for (const verb of ["delete", "merge", "rollback", "publish", "apply"]) {
      if (forbidden.length < nForbidden && rnd.chance(0.5)) forbidden.push(`${prefixOf(s)}_${verb}_*`);
    }
  }
  if (forbidden.length < 3) forbidden.push("*_delete_*", "*_rollback_*", "mcp__discord");
  const forbiddenSet = [...new Set(forbidden)];
  const isForbidden = (name: string) => firstMatch(forbiddenSet, name, cat.serverOf.get(name)) !== undefined;

  // Required: core tools plus the focus servers' most used ones, never forbidden.
  const required: string[] = [];
  const nRequired = rnd.int(3, 8);
  for (let guard = 0; required.length < nRequired && guard < 200; guard++) {
    const t = required.length < 2 || rnd.chance(0.4) ? rnd.pickSkewed(core) : rnd.pickSkewed(focusTools);
    if (!required.includes(t.name) && !isForbidden(t.name)) required.push(t.name);
  }

  // Optional: mostly names, some narrow patterns (`github_get_pull_request*`), rarely a whole server.
  const optional: string[] = [];
  const nOptional = rnd.int(5, 30);
  for (let guard = 0; optional.length < nOptional && guard < 400; guard++) {
    const roll = rnd.float();
    let entry: string;
    if (roll < 0.12) {
      const t = rnd.pickSkewed(focusTools);
      const parts = t.name.split("_");
      entry = `${parts.slice(0, Math.min(parts.length, 3)).join("_")}*`;
    } else if (roll < 0.125) {
      entry = `mcp__${rnd.pick(focus)}`;
    } else {
      entry = (rnd.chance(0.3) ? rnd.pickSkewed(core) : rnd.pickSkewed(focusTools)).name;
    }
    if (optional.includes(entry) || required.includes(entry)) continue;
    if (entry.includes("*") || entry.startsWith("mcp__")) {
      const server = entry.startsWith("mcp__") ? entry.slice(5) : undefined;
      const prefix = entry.replace(/\*$/, "");
      const expands = server !== undefined ? (cat.byServer.get(server) ?? []).map((t) => t.name) : cat.names.filter((n) => n.startsWith(prefix));
      if (!expands.some((n) => !isForbidden(n))) continue;
    } else if (isForbidden(entry)) continue;
    optional.push(entry);
  }

  const exact = [...required, ...optional.filter((o) => !o.includes("*") && !o.startsWith("mcp__"))];
  const notes = rnd.shuffle(exact).slice(0, rnd.int(0, Math.min(8, exact.length)));
  const alternatives: [string, string[]][] = [];
  if (rnd.chance(0.35)) {
    for (const tool of rnd.shuffle(exact).slice(0, rnd.int(1, 2))) {
      const server = cat.serverOf.get(tool) ?? "filesystem";
      const candidates = (cat.byServer.get(server) ?? []).filter((t) => t.name !== tool && !isForbidden(t.name));
      if (candidates.length) alternatives.push([tool, [...new Set([rnd.pick(candidates).name, ...(rnd.chance(0.3) ? [rnd.pick(candidates).name] : [])])]]);
    }
  }

  const [lang, ...roleParts] = type.split("_");
  const role = roleParts.filter((p) => !/^\d+$/.test(p)).join(" ");
  let text = "";
  if (rnd.chance(0.6)) text += "# yaml-language-server: $schema=../schema/manifest.schema.json\n";
  text += `# Apprentice Manifest: ${titleCase(type)}\n# This apprentice is the ${lang} ${role} of the fleet.\n# Ask in #agent-fleet before widening what it may touch.\n\n`;
  text += `apprentice_type: ${type}\n`;
  text += `description: ${quote(`${titleCase(role)} for ${lang} work: reads the change, checks it against the team's rules and reports what it found`)}\n`;
  if (rnd.chance(0.7)) text += `specialization: ${quote(`${lang} ${rnd.pick(["async patterns", "error handling", "public APIs", "build scripts", "flaky tests", "schema changes", "release notes", "observability"])}`)}\n`;
  text += `\n# Tools this apprentice MUST have to function\n`;
  text += yamlList("required_tools", required, () => (rnd.chance(0.5) ? rnd.pick(COMMENTS) : undefined));
  text += `\n# Tools that enhance capability but aren't essential (most wanted first)\n`;
  text += yamlList("optional_tools", optional, (o) => (o.includes("*") ? `${o.replace("*", "…")} family` : rnd.chance(0.3) ? rnd.pick(COMMENTS) : undefined));
  text += `\n# Tools that should never be given to this apprentice\n`;
  text += yamlList("forbidden_tools", forbiddenSet, (f) => (rnd.chance(0.4) ? `no ${f.replace(/^mcp__/, "").replace(/_?\*$/, "").replace(/_/g, " ")}` : undefined));
  if (alternatives.length) {
    text += `\n# If a tool's server is down, these stand in for it.\nalternatives:\n`;
    for (const [tool, alts] of alternatives) text += `  ${tool}: [${alts.join(", ")}]\n`;
  }
  if (notes.length) {
    text += `\n# Context about tool usage\ntool_notes:\n`;
    for (const n of notes) text += `  ${n}: ${quote(rnd.pick(NOTE_TEXT))}\n`;
  }
  if (rnd.chance(0.25)) text += `\nlimits:\n  max_tools: ${rnd.int(Math.max(required.length + 5, 12), 45)}\n`;
  if (rnd.chance(0.4)) {
    text += `\nrequirements:\n`;
    for (const r of rnd.shuffle(REQUIREMENTS).slice(0, rnd.int(1, 3))) text += `  - ${quote(r)}\n`;
  }
  text += `\n# Feedback preferences\nfeedback:\n  channel: ${rnd.chance(0.5) ? "khipu" : "issues"}${rnd.chance(0.5) ? "    # where it writes feedback" : ""}\n  verbose: ${rnd.chance(0.5)}\n`;
  return text;
}

export interface Corpus {
  dir: string;
  manifestsDir: string;
  catalogDir: string;
  manifests: number;
  tools: number;
}

/** Writes (or reuses, when already generated with the same parameters) a corpus. */
export function ensureCorpus(manifests: number, tools: number, seed = SEED): Corpus {
  const dir = join(CORPUS_ROOT, `n${manifests}-t${tools}`);
  const corpus: Corpus = { dir, manifestsDir: join(dir, "manifests"), catalogDir: join(dir, "catalog"), manifests, tools };
  const stamp = JSON.stringify({ GENERATOR_VERSION, seed, manifests, tools });
  const stampFile = join(dir, ".stamp");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return corpus;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(corpus.manifestsDir, { recursive: true });
  mkdirSync(corpus.catalogDir, { recursive: true });

  const catalog = generateCatalog(tools, seed);
  for (const [server, json] of catalog.files) writeFileSync(join(corpus.catalogDir, `${server}.json`), JSON.stringify(json, null, 2) + "\n");
  const cat = indexCatalog(catalog.tools);

  const rnd = new Random(seed);
  const used = new Set<string>();
  for (let i = 0; i < manifests; i++) {
    const domain = rnd.pick(DOMAINS);
    let type = `${domain}_${rnd.pick(ROLES)}`;
    if (used.has(type)) type = `${type}_${i}`;
    used.add(type);
    writeFileSync(join(corpus.manifestsDir, `${type}.yaml`), generateManifest(rnd, type, cat, domain));
  }
  writeFileSync(stampFile, stamp);
  return corpus;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.argv[2] ?? 10_000);
  const t = Number(process.argv[3] ?? 5_000);
  const c = ensureCorpus(n, t);
  console.log(`${c.manifests} manifests and a ${c.tools}-tool catalog in ${c.dir}`);
}
