import type { FeedbackKind } from "../core/feedback-entry.js";
import type { FeedbackTemplates } from "../core/issue-form-parser.js";
import { FileNotRead, isUnread, MAX_FILE_BYTES, workingTree, type FileSource } from "./file-source.js";

/** Where the feedback issue forms live in a repository, and their file names. */
export const ISSUE_TEMPLATE_DIR = ".github/ISSUE_TEMPLATE";
export const ISSUE_TEMPLATE_FILES: Readonly<Record<FeedbackKind, string>> = {
  "missing-tool": "missing-tool.yml",
  "tool-problem": "tool-problem.yml",
  "tool-suggestion": "tool-suggestion.yml",
};

/** Reads a text file; undefined when it does not exist. */
export type TextReader = (path: string) => Promise<string | undefined>;

/** The feedback forms found under `dir`; a missing file is simply left out (its kind is then not recognised). */
export async function readIssueTemplates(read: TextReader, dir: string = ISSUE_TEMPLATE_DIR): Promise<FeedbackTemplates> {
  const templates: FeedbackTemplates = {};
  for (const [kind, file] of Object.entries(ISSUE_TEMPLATE_FILES) as [FeedbackKind, string][]) {
    const text = await read(`${dir.replace(/\/+$/, "")}/${file}`);
    if (text !== undefined) templates[kind] = text;
  }
  return templates;
}

/**
 * A TextReader over any FileSource (working tree, git revision, contents API). A file
 * larger than `limit` or not a regular file is not read: FileNotRead is thrown.
 */
export function textReaderOf(source: Pick<FileSource, "read">, limit = MAX_FILE_BYTES): TextReader {
  const decoder = new TextDecoder();
  return async (path) => {
    const bytes = await source.read(path, limit);
    if (bytes !== undefined && isUnread(bytes)) throw new FileNotRead(path, bytes, limit);
    return bytes === undefined ? undefined : decoder.decode(bytes);
  };
}

/** The feedback forms of the repository checked out at `root`. */
export function readIssueTemplatesFromDisk(root: string, dir: string = ISSUE_TEMPLATE_DIR): Promise<FeedbackTemplates> {
  return readIssueTemplates(textReaderOf(workingTree(root)), dir);
}
