import { listedSource, type FileSource } from "../io/file-source.js";
import type { BotPort } from "./bot-port.js";

/**
 * A repository's files at a branch, read through the API: one tree request, then each
 * blob by sha (blobs are immutable, so the port's cache serves repeated events).
 */
export async function githubSource(port: BotPort, ref: string): Promise<FileSource> {
  const entries = await port.tree(ref);
  const shaOf = new Map(entries.map((e) => [e.path, e.sha]));
  return listedSource(`${port.repo.owner}/${port.repo.repo}@${ref}`, [...shaOf.keys()], async (path) => {
    const sha = shaOf.get(path);
    return sha === undefined ? undefined : port.blob(sha);
  });
}
