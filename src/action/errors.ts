import { ConfigFileMissing } from "../io/repository.js";
import { GitError } from "../io/git-source.js";
import { httpStatusOf } from "../github/check-port.js";

/** Something the workflow's author must fix: bad input, missing files, broken config. */
export class ActionInputError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "ActionInputError";
  }
}

const REPORT = "https://github.com/mallku/apprentice-tools/issues";

/**
 * One message for the step's failure, whatever was thrown: what happened, then what to
 * do. The stack, when there is one, goes to the debug log only.
 */
export function describeFailure(err: unknown): { message: string; debug?: string } {
  if (err instanceof ActionInputError) return { message: `${err.message}\nHint: ${err.hint}` };
  if (err instanceof ConfigFileMissing) {
    return { message: `config: ${err.message}\nHint: the path is relative to the repository root; fix the \`config\` input, or leave it empty to use apprentice-tools.yml when there is one.` };
  }
  if (err instanceof GitError) return { message: `${err.message}\nHint: ${err.hint}` };
  const e = err as { code?: unknown; path?: unknown; message?: unknown; stack?: unknown } | null;
  const stack = typeof e?.stack === "string" ? e.stack : undefined;
  const withStack = (message: string) => (stack ? { message, debug: stack } : { message });
  if (e && (e.code === "EACCES" || e.code === "EPERM")) {
    return withStack(`Cannot read ${typeof e.path === "string" ? `\`${e.path}\`` : "a file"}: permission denied.\nHint: make the file readable by the runner's user, or point the input at another file.`);
  }
  if (e && e.code === "EISDIR") {
    return withStack(`${typeof e.path === "string" ? `\`${e.path}\`` : "A path given as a file"} is a folder, not a file.\nHint: point the input at the file itself (for example \`config: .github/apprentice-tools.yml\`).`);
  }
  const status = httpStatusOf(err);
  if (status !== undefined) {
    return withStack(`The GitHub API answered ${status}: ${String(e?.message ?? "")}\nHint: check that the \`github-token\` input has the permissions the workflow declares (contents: read, pull-requests: write), then re-run the job.`);
  }
  const message = typeof e?.message === "string" ? e.message : String(err);
  return withStack(`apprentice-tools failed unexpectedly: ${message}\nHint: this is a bug in apprentice-tools, not in your manifests. Re-run with debug logging (ACTIONS_STEP_DEBUG) for the stack, and report it at ${REPORT}.`);
}
