import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type nock from "nock";
import { parse as parseYaml } from "yaml";

/**
 * A small repository for the bot's tests, served through nock the way GitHub's git
 * database API serves it: one recursive tree, then each blob by sha.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const readRepoFile = (path: string) => readFileSync(`${ROOT}/${path}`, "utf8");

export const TEMPLATE_FILES = [".github/ISSUE_TEMPLATE/missing-tool.yml", ".github/ISSUE_TEMPLATE/tool-problem.yml", ".github/ISSUE_TEMPLATE/tool-suggestion.yml"] as const;

export const PYTHON_MANIFEST = [
  "apprentice_type: python_patterns_reviewer",
  'description: "Reviews Python changes for idiomatic patterns"',
  "required_tools:",
  "  - read_file",
  "  - grep",
  "  - ast_parse",
  "optional_tools:",
  "  - lint_python",
  "  - treesitter_query",
  "  - glob",
  "forbidden_tools:",
  "  - write_file",
  "  - edit_file",
  "  - docker_*",
  "",
].join("\n");

export const CI_MANIFEST = [
  "apprentice_type: ci_doctor",
  'description: "Reads failing CI runs and explains why they failed"',
  "required_tools:",
  "  - read_file",
  "  - grep",
  "optional_tools:",
  "  - glob",
  "  - web_fetch",
  "forbidden_tools:",
  "  - write_file",
  "",
].join("\n");

export const CATALOG = JSON.stringify(["read_file", "grep", "glob", "ast_parse", "lint_python", "treesitter_query", "treesitter_parse", "web_fetch", "write_file", "edit_file", "docker_run", "file_search", "regex_search"], null, 2);

export const CODEOWNERS = ["# Who answers for what", "*                                          @acme/platform", "/manifests/python_patterns_reviewer.yaml   @acme/python-guild @alice", ""].join("\n");

export const CONFIG = ["owners:", '  - "@acme/fallback-owners"', ""].join("\n");

/** The files of the default fixture: manifests, a catalog, the shipped issue forms, CODEOWNERS, config. */
export function defaultFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "README.md": "# acme/fleet\n\nThe agent fleet's manifests.\n",
    "apprentice-tools.yml": CONFIG,
    "manifests/python_patterns_reviewer.yaml": PYTHON_MANIFEST,
    "manifests/ci_doctor.yaml": CI_MANIFEST,
    "manifests/catalog/code.json": CATALOG,
    ".github/CODEOWNERS": CODEOWNERS,
    ".github/ISSUE_TEMPLATE/config.yml": readRepoFile(".github/ISSUE_TEMPLATE/config.yml"),
  };
  for (const path of TEMPLATE_FILES) files[path] = readRepoFile(path);
  return files;
}

/** Files the bot never needs to read (it must not fetch their blobs). */
const NEVER_READ = new Set(["README.md", ".github/ISSUE_TEMPLATE/config.yml"]);

export interface FixtureRepo {
  owner: string;
  repo: string;
  branch: string;
  files: Record<string, string>;
  /** Git blob sha of each file. */
  shas: Record<string, string>;
  /** The files an event that loads the repository reads (the others are only listed). */
  readPaths: string[];
  /** Mocks the recursive tree and, when `blobs` (the default), every blob the bot reads. */
  mock(scope: nock.Scope, options?: { blobs?: boolean; record?: (call: string) => void }): void;
}

export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Builds the fixture repository; `changes` adds files or, with null, removes them. */
export function fixtureRepo(changes: Record<string, string | null> = {}, where: { owner?: string; repo?: string; branch?: string } = {}): FixtureRepo {
  const files = defaultFiles();
  for (const [path, text] of Object.entries(changes)) {
    if (text === null) delete files[path];
    else files[path] = text;
  }
  const owner = where.owner ?? "acme";
  const repo = where.repo ?? "fleet";
  const branch = where.branch ?? "main";
  const shas = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, gitBlobSha(text)]));
  const readPaths = Object.keys(files).filter((p) => !NEVER_READ.has(p)).sort();
  return {
    owner,
    repo,
    branch,
    files,
    shas,
    readPaths,
    mock(scope, options = {}) {
      const record = options.record ?? (() => undefined);
      const treePath = `/repos/${owner}/${repo}/git/trees/${branch}`;
      scope
        .get(treePath)
        .query({ recursive: "true" })
        .reply(() => {
          record(`GET ${treePath}?recursive=true`);
          return [200, treeResponse(owner, repo, files, shas)];
        });
      if (options.blobs === false) return;
      for (const path of readPaths) {
        const sha = shas[path] as string;
        const blobPath = `/repos/${owner}/${repo}/git/blobs/${sha}`;
        scope.get(blobPath).reply(() => {
          record(`GET ${blobPath}`);
          return [200, blobResponse(owner, repo, sha, files[path] as string)];
        });
      }
    },
  };
}

function treeResponse(owner: string, repo: string, files: Record<string, string>, shas: Record<string, string>) {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const entries = [
    ...[...dirs].map((path) => ({ path, mode: "040000", type: "tree", sha: gitBlobSha(`tree:${path}`), url: `https://api.github.com/repos/${owner}/${repo}/git/trees/${gitBlobSha(`tree:${path}`)}` })),
    ...Object.entries(files).map(([path, text]) => ({ path, mode: "100644", type: "blob", sha: shas[path], size: Buffer.byteLength(text), url: `https://api.github.com/repos/${owner}/${repo}/git/blobs/${shas[path]}` })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  const sha = gitBlobSha(`root:${Object.values(shas).join()}`);
  return { sha, url: `https://api.github.com/repos/${owner}/${repo}/git/trees/${sha}`, tree: entries, truncated: false };
}

function blobResponse(owner: string, repo: string, sha: string, text: string) {
  // GitHub wraps base64 at 60 characters per line.
  const content = (Buffer.from(text, "utf8").toString("base64").match(/.{1,60}/g) ?? []).join("\n");
  return { sha, node_id: `B_${sha.slice(0, 12)}`, size: Buffer.byteLength(text), url: `https://api.github.com/repos/${owner}/${repo}/git/blobs/${sha}`, content, encoding: "base64" };
}

interface TemplateField {
  type: string;
  id?: string;
  attributes: { label?: string };
}

/**
 * An issue body the way GitHub renders a submitted issue form: each non-markdown field
 * as `### <label>`, a blank line, and the value (`_No response_` when left empty).
 */
export function renderIssueForm(templatePath: (typeof TEMPLATE_FILES)[number], values: Record<string, string>): string {
  const template = parseYaml(readRepoFile(templatePath)) as { body: TemplateField[] };
  return template.body
    .filter((f) => f.type !== "markdown")
    .map((f) => `### ${f.attributes.label ?? ""}\n\n${values[f.id ?? ""]?.trim() || "_No response_"}`)
    .join("\n\n");
}
