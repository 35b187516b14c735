import type { PullFile } from "../github/check-port.js";

/** file → the line numbers (at the head) that a pull request adds or changes. */
export type ChangedLines = ReadonlyMap<string, ReadonlySet<number> | "all">;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The head-side line numbers a unified-diff patch adds. */
export function addedLines(patch: string): Set<number> {
  const lines = new Set<number>();
  let next = 0;
  for (const line of patch.split("\n")) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (next === 0 || line.startsWith("\\")) continue;
    if (line.startsWith("+")) lines.add(next++);
    else if (!line.startsWith("-")) next++;
  }
  return lines;
}

/** Changed lines per file from the pull request's files (a file without a patch counts as wholly changed). */
export function changedLinesOf(files: readonly PullFile[]): ChangedLines {
  const map = new Map<string, Set<number> | "all">();
  for (const f of files) {
    if (f.status === "removed") continue;
    map.set(f.filename, f.patch === undefined ? "all" : addedLines(f.patch));
  }
  return map;
}
