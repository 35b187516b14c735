import type { Catalog } from "../core/catalog.js";
import { ownersOf } from "../core/codeowners.js";
import type { Config } from "../core/config-schema.js";
import { compileIssueForms, type IssueForms } from "../core/issue-form-parser.js";
import type { Manifest } from "../core/manifest-schema.js";
import { githubSource } from "../github/github-source.js";
import type { BotPort } from "../github/bot-port.js";
import { FileNotRead, type FileSource } from "../io/file-source.js";
import { readIssueTemplates, textReaderOf } from "../io/issue-templates.js";
import { loadRepository, type Repository } from "../library.js";
import { MAX_USAGE_FILE_BYTES, parseUsageLines, type UsageRecord } from "../core/usage.js";

/** What the bot knows of a repository at its default branch, read once per event. */
export interface RepoContext {
  branch: string;
  repository: Repository;
  config: Config;
  manifests: Map<string, Manifest>;
  /** Manifest file of each type. */
  files: Map<string, string>;
  catalog?: Catalog;
  /** The repository's feedback issue forms, compiled once per event. */
  forms: IssueForms;
  owners(type: string): string[];
  /** `file:line` of a forbidden pattern in a type's manifest. */
  patternPlace(type: string, pattern: string): string | undefined;
  source: FileSource;
  /** Usage summaries under the config's `usage:` folder (JSON Lines), read on first need. */
  usage(): Promise<UsageRecord[]>;
  /** The text of a file at the branch. */
  text(path: string): Promise<string | undefined>;
}

const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/** Rethrows any error but FileNotRead (a file skipped). */
function unlessNotRead(err: unknown): undefined {
  if (err instanceof FileNotRead) return undefined;
  throw err;
}

/**
 * Reads config, manifests, catalog, issue templates and CODEOWNERS at the default branch
 * (one tree request; blobs come from the port's cache when unchanged).
 */
export async function loadRepoContext(port: BotPort, branch: string, source?: FileSource, configPath?: string): Promise<RepoContext> {
  const src = source ?? (await githubSource(port, branch));
  const repository = await loadRepository(src, configPath ? { config: configPath } : {});
  const manifests = new Map<string, Manifest>();
  const files = new Map<string, string>();
  const locators = new Map<string, (typeof repository.check.checked)[number]>();
  for (const c of repository.check.checked) {
    if (!c.manifest || manifests.has(c.manifest.apprentice_type)) continue;
    manifests.set(c.manifest.apprentice_type, c.manifest);
    files.set(c.manifest.apprentice_type, c.file);
    locators.set(c.manifest.apprentice_type, c);
  }
  const read = textReaderOf(src);
  const [templates, codeowners] = await Promise.all([
    readIssueTemplates(read),
    (async () => {
      for (const p of CODEOWNERS_PATHS) {
        const text = await read(p);
        if (text !== undefined) return text;
      }
      return undefined;
    })(),
  ]);
  const config = repository.loaded.config;
  const ctx: RepoContext = {
    branch,
    repository,
    config,
    manifests,
    files,
    forms: compileIssueForms(templates),
    source: src,
    text: read,
    async usage() {
      const dir = config.usage?.replace(/^\.\//, "").replace(/\/+$/, "");
      if (!dir) return [];
      const files = await src.glob([`${dir}/**/*.jsonl`, `${dir}/**/*.ndjson`]);
      // As with lines that are not records, a file too large to read gives no records.
      const readUsage = textReaderOf(src, MAX_USAGE_FILE_BYTES);
      const texts = await Promise.all(files.map(async (f) => ({ f, t: (await readUsage(f).catch(unlessNotRead)) ?? "" })));
      return texts.flatMap(({ f, t }) => parseUsageLines(t, f).records);
    },
    owners(type) {
      const file = files.get(type);
      const fromCodeowners = codeowners && file ? ownersOf(codeowners, file) : [];
      return fromCodeowners.length ? fromCodeowners : config.owners;
    },
    patternPlace(type, pattern) {
      const c = locators.get(type);
      const i = c?.manifest?.forbidden_tools.indexOf(pattern) ?? -1;
      if (!c || i < 0) return undefined;
      const pos = c.locate(["forbidden_tools", i], "value");
      return pos ? `${c.file}:${pos.line}` : c.file;
    },
  };
  if (repository.loaded.catalog) ctx.catalog = repository.loaded.catalog;
  return ctx;
}
