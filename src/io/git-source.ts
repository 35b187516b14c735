import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { listedSource, type FileSource, type Unread } from "./file-source.js";

const run = promisify(execFile);

export class GitError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

async function git(cwd: string, args: string[], encoding: "utf8" | "buffer" = "utf8"): Promise<string | Buffer> {
  try {
    const { stdout } = await run("git", args, { cwd, encoding, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string | Buffer; code?: string | number };
    if (e.code === "ENOENT") throw new GitError("git is not installed or not on PATH.", "Install git, or run without --base.");
    throw new GitError(`git ${args.join(" ")} failed: ${String(e.stderr ?? err).trim()}`, "Check that the revision exists in this clone (a shallow clone may need `git fetch --depth=2`).");
  }
}

/** True when `ref` names a commit in the repository at `cwd`. */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  try {
    await git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The repository's files as they were at `ref` (`git ls-tree` + `git show REF:path`),
 * relative to the repository root that contains `cwd`. The listing gives each blob's size,
 * so that a file over the limit is never shown (its bytes would all be held at once), and
 * a submodule (a commit, not a file) is not read as one.
 */
export async function gitRevisionSource(cwd: string, ref: string): Promise<FileSource> {
  await git(cwd, ["rev-parse", "--git-dir"]).catch((err: GitError) => {
    if (err.message.startsWith("git is not installed")) throw err;
    throw new GitError(`${cwd} is not a git repository (or inside one), so the revision \`${ref}\` cannot be read.`, "Run the command inside a clone of the repository; in a workflow, check it out first (actions/checkout with fetch-depth: 2 or more).");
  });
  if (!(await refExists(cwd, ref))) {
    throw new GitError(`The revision \`${ref}\` does not exist in this clone.`, "Check the name, or fetch it first (a shallow clone has only the last commit: `git fetch --depth=2 origin`).");
  }
  const prefix = String(await git(cwd, ["rev-parse", "--show-prefix"])).trim();
  const listing = String(await git(cwd, ["ls-tree", "-r", "-l", "-z", ref, "--", "."]));
  /** Each path's size in bytes, or why it is not a file. */
  const entries = new Map<string, number | Unread>();
  for (const line of listing.split("\0")) {
    // <mode> SP <type> SP <object> SP+ <size> TAB <path>; the size is "-" for a submodule.
    const tab = line.indexOf("\t");
    if (tab === -1) continue;
    const [, type, , size] = line.slice(0, tab).split(/ +/);
    const path = line.slice(tab + 1);
    entries.set(prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path, type === "blob" ? Number(size) : { unread: "not-a-file", kind: `a ${type === "commit" ? "submodule" : (type ?? "tree entry")}` });
  }
  return listedSource(ref, [...entries.keys()], async (path, limit) => {
    const entry = entries.get(path);
    if (entry === undefined || typeof entry !== "number") return entry;
    if (entry > limit) return { unread: "too-large", size: entry };
    return (await git(cwd, ["show", `${ref}:./${path}`], "buffer")) as Buffer;
  });
}
