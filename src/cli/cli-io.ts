/** What the CLI touches of the outside world, injected so tests can run it in-process. */
export interface CliIO {
  stdout(text: string): void;
  /** Bytes of UTF-8 for stdout (large outputs written as they are); without it they are decoded for `stdout`. */
  stdoutBytes?(bytes: Uint8Array): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** A mistake in how the command was called or configured: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;
