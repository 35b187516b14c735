import { httpStatusOf, type CheckPort, type IssueComment } from "./check-port.js";

export type StickyOutcome =
  | { action: "created" | "updated" | "unchanged"; commentId: number }
  /** The token may not write comments (a fork's pull request, or `pull-requests: read`). */
  | { action: "forbidden"; status: number; message: string };

/** The comment that carries `marker` at its start; a bot's first when several do. */
export function findStickyComment(comments: readonly IssueComment[], marker: string): IssueComment | undefined {
  const marked = comments.filter((c) => c.body.trimStart().startsWith(marker));
  return marked.find((c) => c.authorType === "Bot") ?? marked[0];
}

/**
 * Keeps one comment per issue or pull request, found by a hidden marker at its start:
 * created once, then edited in place, and left alone when its body would not change.
 * A 403 (read-only token) is an outcome, not an error: the caller says so once.
 */
export async function upsertStickyComment(port: CheckPort, issueNumber: number, marker: string, body: string): Promise<StickyOutcome> {
  if (!body.startsWith(marker)) throw new Error("A sticky comment's body must start with its marker.");
  try {
    const existing = findStickyComment(await port.listIssueComments(issueNumber), marker);
    if (existing && existing.body === body) return { action: "unchanged", commentId: existing.id };
    if (existing) return { action: "updated", commentId: (await port.updateIssueComment(existing.id, body)).id };
    return { action: "created", commentId: (await port.createIssueComment(issueNumber, body)).id };
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 403) return { action: "forbidden", status, message: (err as Error).message };
    throw err;
  }
}
