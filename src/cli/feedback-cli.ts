import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import { isUnread, readFileIfThere } from "../io/file-source.js";
import { readIssueTemplates } from "../io/issue-templates.js";
import { feedbackParseCommand } from "./feedback-command.js";

export const FEEDBACK_HELP = `Usage: apprentice-tools feedback parse FILE

Prints the feedback entries found in an issue or comment body (issue forms and khipu
lines) as JSON: {"entries":[…],"problems":[…],"truncated":bool}. Issue-form templates
are read from .github/ISSUE_TEMPLATE/ when present.

Example: gh issue view 12 --json body --jq .body > body.md && apprentice-tools feedback parse body.md`;

export async function feedbackCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h") {
    io.stdout(FEEDBACK_HELP + "\n");
    return EXIT.ok;
  }
  if (sub !== "parse") throw new UsageError(sub === undefined ? "feedback needs a subcommand." : `unknown feedback command "${sub}".`, "Use: apprentice-tools feedback parse FILE");
  if (rest.length !== 1 || rest[0]?.startsWith("-")) throw new UsageError("feedback parse takes exactly one FILE.", "Use: apprentice-tools feedback parse body.md");
  const abs = (p: string) => (isAbsolute(p) ? p : join(io.cwd, p));
  // The FILE named is read as it is (`<(gh issue view …)` is a named pipe); the forms only
  // when they are files (a named pipe among them would block), and as optional as ever.
  const templates = await readIssueTemplates(async (path) => {
    try {
      const bytes = readFileIfThere(abs(path));
      return bytes === undefined || isUnread(bytes) ? undefined : new TextDecoder().decode(bytes);
    } catch {
      return undefined;
    }
  });
  return feedbackParseCommand(rest[0] as string, { readFile: (p) => readFile(abs(p), "utf8"), stdout: io.stdout, stderr: io.stderr }, { templates });
}
