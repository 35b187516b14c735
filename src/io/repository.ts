import { buildCatalog, storedEstimateOf, TOKEN_ESTIMATE_META, toolDefinitionText, type Catalog, type CatalogFileInput, type CatalogTool, type TokenCounter } from "../core/catalog.js";
import { checkConfig } from "../core/config-check.js";
import { DEFAULT_CATALOG, type Config, type GlobalLimits } from "../core/config-schema.js";
import { makeFinding, type Finding } from "../core/finding.js";
import type { RepositoryInput } from "../core/check-repository.js";
import { nowhere } from "../core/locator.js";
import type { CheckedManifest, ManifestSource } from "../core/manifest-check.js";
import { APPRENTICE_TYPE_RE, type Manifest } from "../core/manifest-schema.js";
import { isPattern } from "../core/patterns.js";
import { catalogInputFrom, decodeCatalogFile, type CatalogText } from "./catalog-files.js";
import { hasSettled, isUnread, type FileBytes, type FileSource } from "./file-source.js";
import { relativeOverrides, type Overrides } from "./overrides.js";
import { manifestSourceFromBytes } from "./manifest-source.js";
import { openCheckCache, type CheckCache } from "./check-cache.js";
import { catalogGlobs, catalogKey, CONFIG_CANDIDATES, filesKey, keepPlanOutput, readConfigBytes, settingsKey, type PlanToKeep } from "./plan-output.js";
import { checkManyManifests, fromWire, PARALLEL_MIN_FILES, startCheckWorkers, startTokenCounter, type CheckWorkers, type DiskFiles, type ParallelCheckResult, type WireCheck } from "./parallel-check.js";
import { loadTokenCounter } from "./tokenizer.js";
import { decodeUtf8, parseYamlSource, withPlainEnv } from "./yaml-source.js";

export { manifestSourceFromBytes };

export { CONFIG_CANDIDATES };

export { relativeOverrides, type Overrides };

export interface LoadedRepository extends RepositoryInput {
  source: FileSource;
  /** The config file read, if any. */
  configFile?: string;
  /** True when the config file itself has errors (a configuration error: exit 2). */
  configBroken: boolean;
  /** The catalog folder used, if any. */
  catalogPath?: string;
  /** With `cacheDir`: writes what this run learned (checks, token estimates) for the next one. */
  saveCache?(): void;
  /**
   * With `cacheDir`, when every manifest had settled: keeps the output of `plan --format
   * json` under these very inputs, for a plan run next (`keptPlanOutput`).
   */
  keepPlanOutput?(plan: PlanToKeep): void;
}

export class ConfigFileMissing extends Error {
  constructor(readonly path: string) {
    super(`The config file \`${path}\` does not exist.`);
    this.name = "ConfigFileMissing";
  }
}

/** The configuration path names a folder. */
export class ConfigFileIsFolder extends Error {
  constructor(readonly path: string) {
    super(`${path} is a folder, where a file was expected.`);
    this.name = "ConfigFileIsFolder";
  }

  readonly hint = "Give --config the configuration file itself (e.g. apprentice-tools.yml), not its folder.";
}

/** Reads only the configuration (the defaults when there is no file). */
export async function readConfig(source: FileSource, explicit: string | undefined): Promise<{ config: Config; findings: Finding[]; file?: string; bytes?: FileBytes }> {
  const { file, bytes } = await readConfigBytes(source, explicit);
  if (file === undefined || bytes === undefined) {
    if (explicit) throw new ConfigFileMissing(explicit);
    return { ...checkConfig("", undefined, nowhere) };
  }
  if (isUnread(bytes) && bytes.unread === "not-a-file" && bytes.kind === "a folder") throw new ConfigFileIsFolder(file);
  const decoded = decodeUtf8(file, bytes, "config");
  if ("finding" in decoded) return { ...checkConfig(file, {}, nowhere), findings: [decoded.finding], file, bytes };
  const yaml = parseYamlSource(file, decoded.text);
  if (yaml.findings.some((f) => f.code !== "file-empty")) return { ...checkConfig(file, {}, nowhere), findings: yaml.findings, file, bytes };
  return { ...checkConfig(file, yaml.data, yaml.locate), file, bytes };
}

function applyOverrides(config: Config, o: Overrides): Config {
  const limits = { ...config.limits };
  if (o.maxTools !== undefined) limits.max_tools = o.maxTools;
  if (o.safetyMargin !== undefined) limits.safety_margin = o.safetyMargin;
  if (o.maxTokens !== undefined) limits.max_tokens = o.maxTokens;
  return { ...config, limits, ...(o.catalog !== undefined ? { catalog: o.catalog } : {}) };
}

async function manifestGlobs(source: FileSource, config: Config, o: Overrides): Promise<string[]> {
  if (!o.manifests?.length) return Array.isArray(config.manifests) ? config.manifests : [config.manifests];
  const globs: string[] = [];
  for (const raw of o.manifests) {
    const p = raw.replace(/^\.\//, "").replace(/\/+$/, "") || ".";
    if (/[*?{[]/.test(p)) globs.push(p);
    else if (await source.isDirectory(p)) globs.push(p === "." ? "**/*.{yml,yaml}" : `${p}/**/*.{yml,yaml}`);
    else globs.push(p);
  }
  return globs;
}

/**
 * The folder the catalog's tools/list files live in. `catalog:` names either that folder or
 * an MCP client configuration (`.mcp.json`), whose servers `catalog refresh` lists into
 * the default folder.
 */
export function catalogFolderFor(catalog: string | null): string {
  if (catalog === null || /\.json$/i.test(catalog)) return DEFAULT_CATALOG.replace(/\/+$/, "");
  return catalog.replace(/^\.\//, "").replace(/\/+$/, "");
}

/** The catalog folder's files, read and decoded but not parsed (see parseCatalog), or why there are none. */
async function readCatalogFolder(source: FileSource, path: string | null, explicit: boolean): Promise<{ findings: Finding[]; catalogPath?: string; texts: CatalogText[]; key?: string }> {
  if (path === null) return { findings: [], texts: [] };
  const dir = catalogFolderFor(path);
  if (!(await source.isDirectory(dir))) {
    if (!explicit) return { findings: [], texts: [] };
    if (dir !== path.replace(/^\.\//, "").replace(/\/+$/, "")) {
      return {
        texts: [],
        findings: [makeFinding(path, undefined, "warning", "catalog-not-refreshed", `\`catalog:\` names the MCP configuration ${path}, but its tools have not been listed yet (no ${dir}/ folder), so tool availability is not checked.`, "The check reads the tools each server offers from the catalog folder, which `catalog refresh` writes from the MCP configuration.", [`Run \`apprentice-tools catalog refresh\` and commit ${dir}/.`])],
      };
    }
    return {
      texts: [],
      findings: [makeFinding(dir, undefined, "warning", "catalog-missing", `The catalog \`${path}\` does not exist, so tool availability is not checked.`, "Without a catalog, unknown tool names and patterns that match nothing go unnoticed, and token costs are unknown.", [`Create \`${path}\` with one tools/list JSON per server (\`apprentice-tools catalog refresh\` writes them), or remove \`catalog:\`.`])],
    };
  }
  const read = await readCatalogTexts(source, dir);
  return { findings: read.findings, catalogPath: dir, texts: read.texts, key: read.key };
}

/** The catalog the texts of its files make (undefined when they hold no tool), and what is wrong in them. */
function parseCatalog(texts: readonly CatalogText[]): { catalog?: Catalog; findings: Finding[] } {
  const inputs: CatalogFileInput[] = [];
  const findings: Finding[] = [];
  for (const text of texts) {
    const parsed = catalogInputFrom(text);
    if ("findings" in parsed) {
      for (const f of parsed.findings) findings.push(f);
      continue;
    }
    inputs.push(parsed.input);
  }
  if (inputs.length === 0) return { findings };
  const { catalog, problems } = buildCatalog(inputs);
  for (const p of problems) {
    findings.push(makeFinding(p.file, undefined, "error", "catalog-invalid", `Catalog file ${p.file} ${p.message}.`, "Tools that cannot be read from the catalog count as unavailable.", [p.fix]));
  }
  return catalog.tools.length > 0 ? { catalog, findings } : { findings };
}

/** The catalog folder's files, read and decoded (not parsed). */
async function readCatalogTexts(source: FileSource, dir: string): Promise<{ texts: CatalogText[]; findings: Finding[]; key: string }> {
  const texts: CatalogText[] = [];
  const findings: Finding[] = [];
  const read: { file: string; bytes: FileBytes }[] = [];
  for (const file of await source.glob(catalogGlobs(dir))) {
    const bytes = (await source.read(file)) ?? new Uint8Array();
    read.push({ file, bytes });
    const decoded = decodeCatalogFile(file, bytes);
    if ("finding" in decoded) findings.push(decoded.finding);
    else texts.push(decoded.text);
  }
  return { texts, findings, key: catalogKey(read) };
}

/**
 * Reads everything a check needs from `source`: the config (with overrides), every
 * manifest, and the catalog. Nothing is validated here beyond what reading needs.
 */
export async function loadRepository(source: FileSource, overrides: Overrides = {}): Promise<LoadedRepository> {
  const read = await readConfig(source, overrides.config);
  const config = applyOverrides(read.config, overrides);
  const configBroken = read.findings.some((f) => f.severity === "error");
  const catalogExplicit = overrides.catalog !== undefined || config.catalog !== DEFAULT_CATALOG;
  const cat = await readCatalogFolder(source, config.catalog, catalogExplicit);
  const globs = await manifestGlobs(source, config, overrides);
  const ignore = cat.catalogPath ? [`${cat.catalogPath}/**`] : [];
  const listed = await source.glob(globs, ignore);
  const files = overrides.onlyTypes ? await filesThatMayDeclare(source, listed, [...overrides.onlyTypes, ...(config.fallback ? [config.fallback] : [])]) : listed;
  // Checks are stored by the catalog files' texts (a check is a function of them, whether they parse or not).
  const cache = overrides.cacheDir ? openCheckCache(overrides.cacheDir, { limits: config.limits, catalogTexts: cat.texts.length > 0 ? cat.texts : null }) : undefined;
  // With nothing stored to reuse, every file will be checked: the worker threads start now,
  // loading their code while this thread parses the catalog (they get its names with their job).
  const early = files.length >= PARALLEL_MIN_FILES && (!cache || cache.stored === 0) ? await startCheckWorkers({ limits: config.limits, plan: cache !== undefined }, files.length) : undefined;
  // Many files to check, and tools to count for the plan that follows: counted by a thread
  // of their own while the files are checked (before this thread joins the worker threads,
  // when there are any: see ParallelCheckInput.after). On a first run with a catalog whose
  // files do not all carry estimates, that thread starts now, and loads the tokenizer
  // while this one parses the catalog.
  const mayCount = files.length >= PARALLEL_MIN_FILES;
  const earlyCounter = cache && mayCount && cache.tokens.size === 0 && cat.texts.some((t) => !t.text.includes(TOKEN_ESTIMATE_META)) ? await startTokenCounter() : undefined;
  const parsedCatalog = parseCatalog(cat.texts);
  const { catalog } = parsedCatalog;
  const toCount = cache && mayCount && catalog ? uncounted(catalog, cache) : [];
  if (toCount.length === 0) earlyCounter?.stop();
  const counter = toCount.length === 0 ? undefined : (earlyCounter ?? (await startTokenCounter()));
  const counting = counter?.count(toCount.map(toolDefinitionText));
  const counted = counting?.counts.then((counts) => {
    if (cache && counts) toCount.forEach((tool, k) => cache.tokens.set(tool.name, counts[k] as number));
  });
  // With checks stored, files are looked up by their stamps first; with none, the stamps are taken as the files are read.
  const stamped = cache && cache.stored > 0 ? stampedHits(source, files, cache) : undefined;
  // With a cache, the checks also make plan entries (kept for the plan that usually follows).
  const { manifests, checked, stamps } = await readManifests({ source, files, limits: config.limits, ...(catalog ? { catalog } : {}), plan: cache !== undefined, ...(counted ? { after: counted } : {}) }, cache, stamped, early);
  await counted;
  let tokensOf: ((tool: CatalogTool) => number) | undefined;
  if (catalog && (overrides.countTokens !== false || config.targets.length > 0)) tokensOf = await tokenEstimate(catalog, checked, cache, true);
  // Even when not asked for: when every estimate is known already (so that a check can keep its plan).
  else if (catalog && cache) tokensOf = await tokenEstimate(catalog, checked, cache, false);
  const repo: LoadedRepository = { source, config, configBroken, manifests, findings: [...read.findings, ...cat.findings, ...parsedCatalog.findings] };
  if (checked) repo.prechecked = { limits: config.limits, ...(catalog ? { catalog } : {}), checked };
  if (cache) repo.saveCache = () => cache.save();
  // Every file settled, so that a plan run next knows them unchanged by their stamps: a plan made now can be kept.
  if (cache && !overrides.onlyTypes && !configBroken && stamps && stamps.every((stamp) => stamp !== undefined)) {
    const origin = {
      settings: settingsKey({ ...overrides }, read),
      globs,
      ignore,
      catalogDir: config.catalog === null ? null : catalogFolderFor(config.catalog),
      catalog: cat.key ?? catalogKey(null),
      files: filesKey(files, (i) => stamps[i] as string),
    };
    const dir = overrides.cacheDir as string;
    repo.keepPlanOutput = (plan) => keepPlanOutput(dir, origin, plan);
  }
  if (read.file) repo.configFile = read.file;
  if (catalog) repo.catalog = catalog;
  if (cat.catalogPath) repo.catalogPath = cat.catalogPath;
  if (tokensOf) repo.tokensOf = tokensOf;
  return repo;
}

/**
 * The files (in their order) that may declare one of `types`: those whose bytes hold a
 * type's name, or a backslash (a double-quoted YAML escape can spell a name without its
 * letters: `"\x61pi"`, or an escaped line break inside it). Folding, the only other way a
 * scalar's value differs from its bytes, adds a space or a line break, which no valid
 * type has. With a type that is not a valid name, every file.
 */
async function filesThatMayDeclare(source: FileSource, files: readonly string[], types: readonly string[]): Promise<string[]> {
  if (!types.every((t) => APPRENTICE_TYPE_RE.test(t))) return [...files];
  const needles = [...types.map((t) => Buffer.from(t)), Buffer.from("\\")];
  const kept: string[] = [];
  const { readSync: read } = source;
  for (const file of files) {
    const bytes = (read ? read(file) : await source.read(file)) ?? new Uint8Array();
    // A file not read (too large, not a regular file) is kept, so that its finding is reported.
    if (isUnread(bytes) || needles.some((n) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(n))) kept.push(file);
  }
  return kept;
}

/**
 * The catalog tools with no token estimate yet (none stored in the catalog, none kept from
 * an earlier run): a worker thread counts them while the checking threads start, so that
 * the plan that follows a first check need not load the tokenizer.
 */
function uncounted(catalog: Catalog, cache: CheckCache): CatalogTool[] {
  return catalog.tools.filter((t) => storedEstimateOf(t) === undefined && !cache.tokens.has(t.name));
}

interface StampedHits {
  /** Files whose stored check their stamp finds: not read now. */
  hits: (WireCheck | undefined)[];
  /** The stamp to store with a file's check, when the file had settled. */
  stampOf(i: number): string | undefined;
  /** Reads a file found by its stamp, if something asks for its text. */
  readLater(file: string): FileBytes;
}

/** With a working tree, the files whose stored checks their stamps find (git's index trick). */
function stampedHits(source: FileSource, files: readonly string[], cache: CheckCache): StampedHits | undefined {
  const { stamp, readSync } = source;
  if (!stamp || !readSync) return undefined;
  const now = Date.now();
  const stamps = files.map((file) => stamp(file));
  return {
    hits: files.map((file, i) => {
      const s = stamps[i];
      return s && hasSettled(s.changedAt, now) ? cache.getStamped(file, s.key) : undefined;
    }),
    stampOf: (i) => {
      const s = stamps[i];
      return s && hasSettled(s.changedAt, now) ? s.key : undefined;
    },
    readLater: (file) => readSync(file) ?? new Uint8Array(),
  };
}

interface ManifestFiles {
  source: FileSource;
  files: readonly string[];
  limits: GlobalLimits;
  catalog?: Catalog;
  plan: boolean;
  /** See ParallelCheckInput.after. */
  after?: Promise<unknown>;
}

/**
 * Parses the manifests. Many are also checked right away, on several threads; with a cache,
 * files whose check is stored are not parsed at all and the rest are checked now.
 * `checked` is present when the per-file checks were made here; with a cache, `stamps`
 * holds each file's stamp when it was read (when it had settled), for later runs.
 */
async function readManifests(input: ManifestFiles, cache: CheckCache | undefined, stamped: StampedHits | undefined, early: CheckWorkers | undefined): Promise<{ manifests: ManifestSource[]; checked?: CheckedManifest[]; stamps?: (string | undefined)[] }> {
  const { source, files } = input;
  const { absolutePath } = source;
  const setup = { limits: input.limits, ...(input.catalog ? { catalog: input.catalog } : {}), plan: input.plan, ...(input.after ? { after: input.after } : {}) };
  const readAll = (list: readonly string[]) => Promise.all(list.map(async (file) => (await source.read(file)) ?? new Uint8Array()));
  if (!cache) {
    // Files on disk are read by the threads that check them; others are read here first.
    const parallel = absolutePath
      ? await checkManyManifests({ ...setup, files, disk: { paths: files.map(absolutePath), keyed: false } }, PARALLEL_MIN_FILES, early)
      : await checkManyManifests({ ...setup, files, contents: await readAll(files) }, PARALLEL_MIN_FILES, early);
    if (parallel) return { manifests: parallel.sources, checked: parallel.checked };
    const contents = await readAll(files);
    return { manifests: withPlainEnv(() => files.map((file, i) => manifestSourceFromBytes(file, contents[i] as FileBytes))) };
  }
  const results: { source: ManifestSource; checked: CheckedManifest }[] = new Array(files.length);
  // Files found by their stamp are not read at all.
  const pending: number[] = [];
  files.forEach((file, i) => {
    const known = stamped?.hits[i];
    if (known) results[i] = fromWire(file, () => (stamped as StampedHits).readLater(file), known, input.limits);
    else pending.push(i);
  });
  const pendingFiles = pending.map((i) => files[i] as string);
  const stamps = files.map((_, i) => stamped?.stampOf(i));
  const stampOf = (k: number) => stamps[pending[k] as number];
  if (absolutePath) {
    // Read, hashed and (unless stored under their content key) checked on several threads;
    // stamped as they are read when they were not stamped here.
    const disk: DiskFiles = {
      paths: pendingFiles.map(absolutePath),
      keyed: true,
      stamped: stamped === undefined,
      known: cache.stored > 0 ? cache.storedKeys() : [],
      stored: (key, k, stamp) => cache.getByKey(pendingFiles[k] as string, key, stampOf(k) ?? stamp),
    };
    const checkedNow = (await checkManyManifests({ ...setup, files: pendingFiles, disk }, 0, early)) as ParallelCheckResult;
    pending.forEach((i, k) => {
      stamps[i] ??= checkedNow.stamps?.[k];
      if (!checkedNow.reused?.[k]) cache.setByKey(files[i] as string, checkedNow.keys?.[k] as string, checkedNow.wire[k] as WireCheck, stamps[i]);
      results[i] = { source: checkedNow.sources[k] as ManifestSource, checked: checkedNow.checked[k] as CheckedManifest };
    });
    return { manifests: results.map((r) => r.source), checked: results.map((r) => r.checked), stamps };
  }
  const contents = await readAll(pendingFiles);
  const missing: number[] = [];
  pending.forEach((i, k) => {
    const hit = cache.get(files[i] as string, contents[k] as FileBytes, stampOf(k));
    if (hit) results[i] = fromWire(files[i] as string, contents[k] as FileBytes, hit, input.limits);
    else missing.push(k);
  });
  // With no minimum, every missing file is checked here (and an empty list is fine).
  const fresh = (await checkManyManifests({ ...setup, files: missing.map((k) => pendingFiles[k] as string), contents: missing.map((k) => contents[k] as FileBytes) }, 0, early)) as ParallelCheckResult;
  missing.forEach((k, j) => {
    const i = pending[k] as number;
    cache.set(files[i] as string, contents[k] as FileBytes, fresh.wire[j] as WireCheck, stampOf(k));
    results[i] = { source: fresh.sources[j] as ManifestSource, checked: fresh.checked[j] as CheckedManifest };
  });
  return { manifests: results.map((r) => r.source), checked: results.map((r) => r.checked), stamps };
}

/**
 * Token estimates of catalog tools. An estimate stored in the catalog (`_meta`, written by
 * `catalog refresh` and `catalog estimate`) is used while it matches the tool's definition;
 * with a cache, estimates made in earlier runs are reused too. The tokenizer (slow to
 * load) is loaded only when a tool that a plan of these manifests may give has neither;
 * without `load`, there is then no estimator at all.
 */
async function tokenEstimate(catalog: Catalog, checked: readonly CheckedManifest[] | undefined, cache: CheckCache | undefined, load: boolean): Promise<((tool: CatalogTool) => number) | undefined> {
  const known = cache?.tokens ?? new Map<string, number>();
  const estimated = (tool: CatalogTool | undefined) => tool === undefined || storedEstimateOf(tool) !== undefined || known.has(tool.name);
  let complete: boolean;
  if (!checked) {
    // Manifests not checked yet: any tool of the catalog may be given.
    complete = catalog.tools.every(estimated);
  } else {
    // Entries planned already name the tools they give; the others may give any tool they list.
    const given = new Uint8Array(catalog.tools.length);
    for (const c of checked) if (c.planned) for (const index of c.planned.toolIndexes) given[index] = 1;
    complete = catalog.tools.every((tool, index) => given[index] === 0 || estimated(tool)) && [...toolsAPlanMayGive(checked.filter((c) => c.planned === undefined).map((c) => c.manifest), catalog)].every(estimated);
  }
  if (!complete && !load) return undefined;
  const count: TokenCounter | undefined = complete ? undefined : await loadTokenCounter();
  // By catalog index: a plan of ten thousand apprentices asks a quarter of a million times.
  const byIndex: (number | undefined)[] = new Array(catalog.tools.length);
  return (tool) => {
    let n = catalog.tools[tool.index] === tool ? byIndex[tool.index] : undefined;
    if (n !== undefined) return n;
    n = storedEstimateOf(tool) ?? known.get(tool.name);
    if (n === undefined) {
      if (!count) throw new Error(`No token estimate for ${tool.name}, and no tokenizer loaded (a tool outside toolsAPlanMayGive).`);
      n = count(toolDefinitionText(tool));
      known.set(tool.name, n);
    }
    if (catalog.tools[tool.index] === tool) byIndex[tool.index] = n;
    return n;
  };
}

/** Every catalog tool that provisioning these manifests could give: a superset of what it counts tokens of. */
function toolsAPlanMayGive(manifests: readonly (Manifest | undefined)[], catalog: Catalog): Set<CatalogTool> {
  // Fleets repeat the same entries: look each one up once.
  const entries = new Set<string>();
  for (const m of manifests) {
    if (!m) continue;
    for (const e of m.required_tools) entries.add(e);
    for (const e of m.optional_tools) entries.add(e);
    for (const alts of Object.values(m.alternatives)) for (const e of alts) entries.add(e);
  }
  const tools = new Set<CatalogTool>();
  for (const entry of entries) {
    if (isPattern(entry)) for (const t of catalog.expand(entry)) tools.add(t);
    else {
      const t = catalog.get(entry);
      if (t) tools.add(t);
    }
  }
  return tools;
}
