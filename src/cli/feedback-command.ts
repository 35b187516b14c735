import { parseFeedback } from "../core/feedback-parse.js";
import type { FeedbackTemplates } from "../core/issue-form-parser.js";
import { ISSUE_TEMPLATE_DIR, readIssueTemplates } from "../io/issue-templates.js";

export interface FeedbackCommandIo {
  readFile(path: string): Promise<string>;
  stdout(s: string): void;
  /** Defaults to stdout. */
  stderr?(s: string): void;
}

export interface FeedbackCommandOptions {
  /** The issue-form templates; by default read (through `io.readFile`) from `.github/ISSUE_TEMPLATE/`, missing ones skipped. */
  templates?: FeedbackTemplates;
  templatesDir?: string;
}

/**
 * `apprentice-tools feedback parse FILE`: prints `{"entries":[…],"problems":[…],"truncated":bool}`.
 * Exit 0 when the file was read (problems are data, not failure), 2 when it could not be.
 */
export async function feedbackParseCommand(file: string, io: FeedbackCommandIo, options: FeedbackCommandOptions = {}): Promise<number> {
  let body: string;
  try {
    body = await io.readFile(file);
  } catch (err) {
    const write = io.stderr ?? io.stdout; // nothing else is printed, so stdout cannot be corrupted
    write(
      `apprentice-tools feedback parse: cannot read ${JSON.stringify(file)} (${readFailure(err)}).\n` +
        `  FILE is an issue or comment body saved as text, e.g.: gh issue view 12 --json body --jq .body > body.md\n`,
    );
    return 2;
  }
  const templates =
    options.templates ??
    (await readIssueTemplates(async (path) => {
      try {
        return await io.readFile(path);
      } catch {
        return undefined; // forms are optional: without a template, khipu lines are still read
      }
    }, options.templatesDir ?? ISSUE_TEMPLATE_DIR));
  // A template that cannot be used is reported among the JSON problems (`invalid-template`).
  const result = parseFeedback(body, { templates });
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

function readFailure(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? err.code : undefined;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}
