import { posix } from "node:path";
import { buildCatalog, tokenEstimator, type Catalog, type CatalogFileInput, type CatalogTool } from "../core/catalog.js";
import { checkConfig } from "../core/config-check.js";
import { DEFAULT_CATALOG, type Config } from "../core/config-schema.js";
import { makeFinding, type Finding } from "../core/finding.js";
import type { RepositoryInput } from "../core/check-repository.js";
import type { ManifestSource } from "../core/manifest-check.js";
import { nowhere } from "../core/locator.js";
import type { FileSource } from "./file-source.js";
import { loadTokenCounter } from "./tokenizer.js";
import { decodeUtf8, parseYamlSource, positionOf } from "./yaml-source.js";

export const CONFIG_CANDIDATES = ["apprentice-tools.yml", "apprentice-tools.yaml", ".github/apprentice-tools.yml", ".github/apprentice-tools.yaml"];

/** Settings given on the command line or as action inputs; they win over the file. */
export interface Overrides {
  config?: string;
  /** Manifest files, folders or globs. */
  manifests?: string[];
  catalog?: string | null;
  maxTools?: number;
  safetyMargin?: number;
  maxTokens?: number | null;
}

export interface LoadedRepository extends RepositoryInput {
  source: FileSource;
  /** The config file read, if any. */
  configFile?: string;
  /** True when the config file itself has errors (a configuration error: exit 2). */
  configBroken: boolean;
  /** The catalog folder used, if any. */
  catalogPath?: string;
}

export class ConfigFileMissing extends Error {
  constructor(readonly path: string) {
    super(`The config file \`${path}\` does not exist.`);
    this.name = "ConfigFileMissing";
  }
}

async function readConfig(source: FileSource, explicit: string | undefined): Promise<{ config: Config; findings: Finding[]; file?: string }> {
  const candidates = explicit ? [explicit] : CONFIG_CANDIDATES;
  for (const file of candidates) {
    const bytes = await source.read(file);
    if (bytes === undefined) continue;
    const decoded = decodeUtf8(file, bytes);
    if ("finding" in decoded) return { ...checkConfig(file, {}, nowhere), findings: [decoded.finding], file };
    const yaml = parseYamlSource(file, decoded.text);
    if (yaml.findings.some((f) => f.code !== "file-empty")) return { ...checkConfig(file, {}, nowhere), findings: yaml.findings, file };
    const checked = checkConfig(file, yaml.data, yaml.locate);
    return { ...checked, file };
  }
  if (explicit) throw new ConfigFileMissing(explicit);
  return { ...checkConfig("", undefined, nowhere) };
}

function applyOverrides(config: Config, o: Overrides): Config {
  const limits = { ...config.limits };
  if (o.maxTools !== undefined) limits.max_tools = o.maxTools;
  if (o.safetyMargin !== undefined) limits.safety_margin = o.safetyMargin;
  if (o.maxTokens !== undefined) limits.max_tokens = o.maxTokens;
  return { ...config, limits, ...(o.catalog !== undefined ? { catalog: o.catalog } : {}) };
}

function stemOf(file: string): string {
  const base = posix.basename(file);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Reads and parses one manifest file (rule 1 findings included). */
export function manifestSourceFromBytes(file: string, bytes: Uint8Array): ManifestSource {
  const stem = stemOf(file);
  const decoded = decodeUtf8(file, bytes);
  if ("finding" in decoded) return { file, stem, data: undefined, locate: nowhere, findings: [decoded.finding] };
  const yaml = parseYamlSource(file, decoded.text);
  return { file, stem, data: yaml.data, locate: yaml.locate, findings: yaml.findings };
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

async function loadCatalog(source: FileSource, path: string | null, explicit: boolean): Promise<{ catalog?: Catalog; findings: Finding[]; catalogPath?: string }> {
  if (path === null) return { findings: [] };
  const dir = catalogFolderFor(path);
  if (!(await source.isDirectory(dir))) {
    if (!explicit) return { findings: [] };
    if (dir !== path.replace(/^\.\//, "").replace(/\/+$/, "")) {
      return {
        findings: [makeFinding(path, undefined, "warning", "catalog-not-refreshed", `\`catalog:\` names the MCP configuration ${path}, but its tools have not been listed yet (no ${dir}/ folder), so tool availability is not checked.`, "The check reads the tools each server offers from the catalog folder, which `catalog refresh` writes from the MCP configuration.", [`Run \`apprentice-tools catalog refresh\` and commit ${dir}/.`])],
      };
    }
    return {
      findings: [makeFinding(dir, undefined, "warning", "catalog-missing", `The catalog \`${path}\` does not exist, so tool availability is not checked.`, "Without a catalog, unknown tool names and patterns that match nothing go unnoticed, and token costs are unknown.", [`Create \`${path}\` with one tools/list JSON per server (\`apprentice-tools catalog refresh\` writes them), or remove \`catalog:\`.`])],
    };
  }
  const files = await source.glob([`${dir}/*.json`, `${dir}/*.yml`, `${dir}/*.yaml`]);
  const inputs: CatalogFileInput[] = [];
  const findings: Finding[] = [];
  for (const file of files) {
    const bytes = (await source.read(file)) ?? new Uint8Array();
    const decoded = decodeUtf8(file, bytes);
    if ("finding" in decoded) {
      findings.push(decoded.finding);
      continue;
    }
    const server = stemOf(file);
    if (file.endsWith(".json")) {
      try {
        inputs.push({ server, file, data: JSON.parse(decoded.text) });
      } catch (err) {
        const m = /position (\d+)/.exec(String(err));
        findings.push(makeFinding(file, m ? positionOf(decoded.text, Number(m[1])) : undefined, "error", "catalog-invalid-json", `Catalog file ${file} is not valid JSON: ${(err as Error).message}`, "The tools of this server are unknown until the file is fixed, so they count as unavailable.", ["Fix the JSON, or regenerate it with `apprentice-tools catalog refresh`."]));
      }
    } else {
      const yaml = parseYamlSource(file, decoded.text);
      if (yaml.findings.length) findings.push(...yaml.findings);
      else inputs.push({ server, file, data: yaml.data });
    }
  }
  const { catalog, problems } = buildCatalog(inputs);
  for (const p of problems) {
    findings.push(makeFinding(p.file, undefined, "error", "catalog-invalid", `Catalog file ${p.file} ${p.message}.`, "Tools that cannot be read from the catalog count as unavailable.", [p.fix]));
  }
  return { catalog, findings, catalogPath: dir };
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
  const cat = await loadCatalog(source, config.catalog, catalogExplicit);
  const globs = await manifestGlobs(source, config, overrides);
  const ignore = cat.catalogPath ? [`${cat.catalogPath}/**`] : [];
  const files = await source.glob(globs, ignore);
  const manifests = await Promise.all(files.map(async (file) => manifestSourceFromBytes(file, (await source.read(file)) ?? new Uint8Array())));
  let tokensOf: ((tool: CatalogTool) => number) | undefined;
  if (cat.catalog && cat.catalog.tools.length > 0) tokensOf = tokenEstimator(await loadTokenCounter());
  const repo: LoadedRepository = { source, config, configBroken, manifests, findings: [...read.findings, ...cat.findings] };
  if (read.file) repo.configFile = read.file;
  if (cat.catalog && cat.catalog.tools.length > 0) repo.catalog = cat.catalog;
  if (cat.catalogPath) repo.catalogPath = cat.catalogPath;
  if (tokensOf) repo.tokensOf = tokensOf;
  return repo;
}
