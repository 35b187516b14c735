/**
 * Tool names and patterns (DESIGN §2).
 *
 * Names follow MCP practice: `[A-Za-z0-9_.:-]`, 1–128 characters. A pattern may also
 * use `*` (any run of characters) and `?` (one character). A bare `mcp__<server>`
 * (Claude Code's rule) means every tool of that server. Matching is case-sensitive.
 * The alphabet is so small that a hand-made matcher is exact; glob libraries bring path
 * semantics (`/`, dotfiles, braces) that tool names must not get.
 */

export const TOOL_NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TOOL_ENTRY_RE = /^[A-Za-z0-9_.:*?-]{1,128}$/;
const BARE_SERVER_RE = /^mcp__([A-Za-z0-9_.:-]+?)$/;

export function isValidToolName(name: string): boolean {
  return TOOL_NAME_RE.test(name);
}

export function isValidToolEntry(entry: string): boolean {
  return TOOL_ENTRY_RE.test(entry);
}

/** True for entries with wildcards or the bare-server form. */
export function isPattern(entry: string): boolean {
  return entry.includes("*") || entry.includes("?") || (entry.startsWith("mcp__") && bareServerOf(entry) !== undefined);
}

/** `mcp__github` → `github`; anything with a tool part (`mcp__github__x`) → undefined. */
export function bareServerOf(entry: string): string | undefined {
  const m = BARE_SERVER_RE.exec(entry);
  if (!m || m[1] === undefined) return undefined;
  return m[1].includes("__") ? undefined : m[1];
}

/** Why an entry is not a valid name or pattern, or undefined when it is. */
export function explainInvalidEntry(entry: string, allowPatterns: boolean): string | undefined {
  if (entry.length === 0) return "it is empty";
  if (entry.length > 128) return `it is ${entry.length} characters long; the limit is 128`;
  if ((allowPatterns ? TOOL_ENTRY_RE : TOOL_NAME_RE).test(entry)) return undefined;
  const bad = [...new Set([...entry].filter((ch) => !/[A-Za-z0-9_.:-]/.test(ch) && !(allowPatterns && (ch === "*" || ch === "?"))))];
  if (bad.length > 0) {
    const shown = bad.map((ch) => (ch === " " ? "a space" : `\`${ch}\``)).join(", ");
    return `it contains ${shown}; tool names may use only letters, digits, \`_\`, \`.\`, \`:\` and \`-\`${allowPatterns ? " (plus `*` and `?` in patterns)" : ""}`;
  }
  return undefined;
}

export interface CompiledPattern {
  source: string;
  /** Literal prefix before the first wildcard (used to narrow candidates). */
  prefix: string;
  /** True for `prefix*` (one `*`, last): every name that starts with the prefix. */
  prefixOnly: boolean;
  /** For bare `mcp__<server>` entries: the server. */
  server: string | undefined;
  test(name: string, server?: string): boolean;
}

/**
 * Every compiled pattern has the same fields in the same order, so that the code asking
 * them (once per tool considered, in every manifest) meets one object shape, which the
 * JIT optimizes once; differently shaped patterns made it throw that code away and
 * compile it again, several times per run.
 */
function compiled(source: string, prefix: string, prefixOnly: boolean, server: string | undefined, test: (name: string, server?: string) => boolean): CompiledPattern {
  return { source, prefix, prefixOnly, server, test };
}

/**
 * A tester for a glob with wildcards. The runs of characters between `*`s must appear in
 * order: the first at the start, the last at the end, each middle one at its leftmost place
 * after the one before (a later place never helps, as the `*`s around it absorb the gap
 * either way). No choice is undone, so a test takes at most the name's length times the
 * pattern's; the RegExp `^.*a.*a.*b$` it replaces retried every split of the name, and took
 * minutes for `*a*a*a*a*a*a*a*a*b` against 64 `a`s. Characters are compared as UTF-16
 * code units, `?` standing for any one, as that RegExp did.
 */
function globTester(glob: string): (name: string) => boolean {
  const runs = glob.split("*").map(wildRun);
  const first = runs[0] as WildRun;
  if (runs.length === 1) return (name) => name.length === first.length && first.at(name, 0);
  const last = runs[runs.length - 1] as WildRun;
  const middle = runs.slice(1, -1).filter((r) => r.length > 0);
  const minLength = runs.reduce((n, r) => n + r.length, 0);
  return (name) => {
    if (name.length < minLength || !first.at(name, 0)) return false;
    let from = first.length;
    for (const run of middle) {
      const found = run.find(name, from);
      if (found < 0) return false;
      from = found + run.length;
    }
    const end = name.length - last.length;
    return end >= from && last.at(name, end);
  };
}

/** A run of a glob between `*`s: literal characters and `?`s. */
interface WildRun {
  length: number;
  /** Does the run match `name` at `start` (which leaves room for it)? */
  at(name: string, start: number): boolean;
  /** The leftmost start at or after `from` where the run matches, or -1. */
  find(name: string, from: number): number;
}

const QUESTION_MARK = 63;

function wildRun(run: string): WildRun {
  const length = run.length;
  if (!run.includes("?")) return { length, at: (name, start) => name.startsWith(run, start), find: (name, from) => name.indexOf(run, from) };
  const at = (name: string, start: number): boolean => {
    for (let i = 0; i < length; i++) {
      const c = run.charCodeAt(i);
      if (c !== QUESTION_MARK && c !== name.charCodeAt(start + i)) return false;
    }
    return true;
  };
  return {
    length,
    at,
    find(name, from) {
      for (let start = from; start + length <= name.length; start++) if (at(name, start)) return start;
      return -1;
    },
  };
}

const compiledCache = new Map<string, CompiledPattern>();

/** Compiles (and caches: patterns repeat across manifests) one entry. */
export function compilePattern(source: string): CompiledPattern {
  const cached = compiledCache.get(source);
  if (cached) return cached;
  let made: CompiledPattern;
  const server = bareServerOf(source);
  if (server !== undefined) {
    const namespaced = `mcp__${server}__`;
    made = compiled(source, source, false, server, (name, toolServer) => toolServer === server || name.startsWith(namespaced));
  } else if (!source.includes("*") && !source.includes("?")) {
    made = compiled(source, source, false, undefined, (name) => name === source);
  } else {
    const firstWild = source.search(/[*?]/);
    const prefix = source.slice(0, firstWild);
    const rest = source.slice(firstWild);
    made = rest === "*" ? compiled(source, prefix, true, undefined, (name) => name.startsWith(prefix)) : compiled(source, prefix, false, undefined, globTester(source));
  }
  if (server === undefined && mayMatchQualified(made.prefix)) made = withQualifiedForm(made);
  if (compiledCache.size > 50_000) compiledCache.clear();
  compiledCache.set(source, made);
  return made;
}

/** Only patterns whose literal prefix is compatible with `mcp__` can match a namespaced name. */
function mayMatchQualified(prefix: string): boolean {
  return prefix.startsWith("mcp__") || "mcp__".startsWith(prefix);
}

/**
 * A tool of a known server also answers to its Claude Code name, `mcp__<server>__<name>`:
 * `mcp__github__get_*` and `mcp__discord_*` match the plain `get_issue` of server
 * `github` and `send` of server `discord`, as the catalog's expansion already does.
 */
function withQualifiedForm(plain: CompiledPattern): CompiledPattern {
  const test = plain.test;
  return compiled(plain.source, plain.prefix, plain.prefixOnly, plain.server, (name, server) => test(name, server) || (server !== undefined && !name.startsWith("mcp__") && test(`mcp__${server}__${name}`, server)));
}

/**
 * Does `entry` (a name or a pattern) match the tool `name` (of `server`, when known)?
 * With a server, the tool's `mcp__<server>__<name>` form is matched too.
 */
export function matches(entry: string, name: string, server?: string): boolean {
  return compilePattern(entry).test(name, server);
}

/** The first of `patterns` that matches the tool, if any. */
export function firstMatch(patterns: readonly string[], name: string, server?: string): string | undefined {
  for (const p of patterns) if (compilePattern(p).test(name, server)) return p;
  return undefined;
}

/**
 * `firstMatch` with the patterns compiled once: for a list asked about many tools
 * (a manifest's forbidden entries, asked about every tool it considers).
 */
export function firstMatcher(patterns: readonly string[]): (name: string, server?: string) => string | undefined {
  const compiled = patterns.map(compilePattern);
  return (name, server) => {
    for (const c of compiled) if (c.test(name, server)) return c.source;
    return undefined;
  };
}

/**
 * Does every tool `entry` could match also match one of `patterns`? Exact for names;
 * for patterns, decided structurally (a pattern `a*` is covered by `a*`, `*`, or any
 * pattern that matches its literal prefix followed by anything).
 */
export function isShadowedBy(entry: string, patterns: readonly string[]): string | undefined {
  if (!isPattern(entry)) return firstMatch(patterns, entry);
  const server = bareServerOf(entry);
  for (const p of patterns) {
    if (p === entry) return p;
    if (server !== undefined) {
      if (bareServerOf(p) === server) return p;
      continue;
    }
    // `p` covers `entry` when p is `X*` and entry starts with X.
    if (p.endsWith("*")) {
      const c = compilePattern(p);
      if (c.prefixOnly && entry.startsWith(c.prefix)) return p;
    }
  }
  return undefined;
}
