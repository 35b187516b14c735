import { join } from "node:path";
import type { Plan } from "../core/plan.js";
import { isUnread, readFileIfThere, type FileSource } from "../io/file-source.js";
import { gitRevisionSource } from "../io/git-source.js";
import { ConfigFileIsFolder, ConfigFileMissing, type Overrides } from "../io/repository.js";
import { loadRepository, type Repository } from "../library.js";
import { UsageError } from "./cli-io.js";

/** Reads and checks a repository, turning a missing --config into a usage error. */
export async function openRepository(source: string | FileSource, overrides: Overrides): Promise<Repository> {
  try {
    return await loadRepository(source, overrides);
  } catch (err) {
    if (err instanceof ConfigFileMissing) throw new UsageError(err.message, "Check the path given to --config (it is relative to the current directory), or leave --config out to use apprentice-tools.yml if there is one.");
    if (err instanceof ConfigFileIsFolder) throw new UsageError(err.message, err.hint);
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path;
    if (code === "EACCES" || code === "EPERM") throw new UsageError(`${path ?? "A file"} cannot be read: permission denied.`, "Check the file's permissions, or run as a user who may read it.");
    throw err;
  }
}

/** The plan of the repository as it was at `ref`, with the same overrides. */
export async function planAtRef(cwd: string, ref: string, overrides: Overrides, task?: string): Promise<Plan> {
  const source = await gitRevisionSource(cwd, ref).catch((err: Error & { hint?: string }) => {
    throw new UsageError(err.message, err.hint);
  });
  const repo = await openRepository(source, overrides);
  return repo.plan(task ? { task } : {});
}

/** The lines of each file that has a finding with a place, for showing the offending line. */
export async function loadSourceLines(cwd: string, files: Iterable<string>): Promise<(file: string) => string[] | undefined> {
  const map = new Map<string, string[]>();
  // As fs.readFile(…, "utf8") decodes: a byte-order mark is kept.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  for (const file of new Set(files)) {
    let bytes;
    try {
      // Files with a finding that has a place were read, so they are files of at most 1 MiB, unless replaced since.
      bytes = readFileIfThere(join(cwd, file));
    } catch {
      continue; // the findings are shown without their lines
    }
    if (bytes !== undefined && !isUnread(bytes)) map.set(file, decoder.decode(bytes).split(/\r?\n/));
  }
  return (file) => map.get(file);
}
