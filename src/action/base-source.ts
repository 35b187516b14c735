import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CheckPort } from "../github/check-port.js";
import { listedSource, type FileSource } from "../io/file-source.js";
import { gitRevisionSource, refExists } from "../io/git-source.js";

const exec = promisify(execFile);

/** How the base revision is reached; injected so tests can take either road. */
export interface BaseRoads {
  hasCommit(cwd: string, sha: string): Promise<boolean>;
  /** `git fetch --no-tags --depth=1 origin <sha>`: the default checkout has one commit only. */
  fetchCommit(cwd: string, sha: string): Promise<void>;
  gitSource(cwd: string, sha: string): Promise<FileSource>;
}

export const gitRoads: BaseRoads = {
  hasCommit: refExists,
  async fetchCommit(cwd, sha) {
    await exec("git", ["fetch", "--no-tags", "--no-recurse-submodules", "--depth=1", "origin", sha], { cwd, timeout: 120_000 });
  },
  gitSource: gitRevisionSource,
};

export type BaseSource = { source: FileSource; via: "git" | "api" } | { problem: string };

/** The files of `sha` through the contents API: a recursive tree listing, then each file read on demand. */
export async function apiRevisionSource(port: CheckPort, sha: string): Promise<FileSource> {
  const { files, truncated } = await port.listTreeFiles(sha);
  if (truncated) throw new Error(`the tree of ${sha.slice(0, 7)} has too many files for GitHub's API to list`);
  const known = new Set(files);
  return listedSource(`${sha.slice(0, 7)} (through the GitHub API)`, files, async (path) => (known.has(path) ? port.readFile(path, sha) : undefined));
}

function reason(err: unknown): string {
  const e = err as { stderr?: unknown; message?: unknown };
  const text = typeof e?.stderr === "string" && e.stderr.trim() ? e.stderr : typeof e?.message === "string" ? e.message : String(err);
  return text.trim().split("\n").pop() ?? "";
}

/**
 * The repository as it is at the pull request's base: from git when the commit is (or
 * can be fetched) here, else through the API. Never throws: a base that cannot be read
 * only costs the diff.
 */
export async function openBaseSource(cwd: string, sha: string, port: CheckPort | undefined, roads: BaseRoads = gitRoads): Promise<BaseSource> {
  const problems: string[] = [];
  try {
    if (!(await roads.hasCommit(cwd, sha))) await roads.fetchCommit(cwd, sha);
    return { source: await roads.gitSource(cwd, sha), via: "git" };
  } catch (err) {
    problems.push(`git could not fetch it (${reason(err)})`);
  }
  if (!port) return { problem: `${problems.join("; ")}, and there is no github-token to read it through the API` };
  try {
    return { source: await apiRevisionSource(port, sha), via: "api" };
  } catch (err) {
    problems.push(`the GitHub API could not list it (${reason(err)})`);
  }
  return { problem: problems.join("; ") };
}
