import { FileNotRead } from "../io/read-file.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";

export const HELP = `apprentice-tools — govern which MCP tools each type of AI agent is given.

Usage: apprentice-tools <command> [options]

Commands:
  check [PATHS…]            validate manifests (exit 1 on findings at or above --fail-on)
  plan                      show which tools each apprentice gets, and why (--base REF for changes)
  provision TYPE            the tools one apprentice gets (for spawners)
  feedback parse FILE       feedback entries found in an issue body (JSON)
  suggest                   the bot's proposals from feedback issues and usage, offline (JSON)
  catalog refresh           list the tools of the MCP servers in .mcp.json into the catalog
  help [COMMAND]            this help, or a command's

Run \`apprentice-tools <command> --help\` for a command's options.`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

/**
 * Each command's module is loaded when it runs, so that `check` does not wait for what
 * only other commands use (the MCP SDK for `catalog refresh`, the bot's logic for
 * `suggest`): about a third of a second of start-up.
 */
const COMMANDS: Readonly<Record<string, () => Promise<{ run: Command; help: string }>>> = {
  check: async () => {
    const m = await import("./check-command.js");
    return { run: m.checkCommand, help: m.CHECK_HELP };
  },
  plan: async () => {
    const m = await import("./plan-command.js");
    return { run: m.planCommand, help: m.PLAN_HELP };
  },
  provision: async () => {
    const m = await import("./provision-command.js");
    return { run: m.provisionCommand, help: m.PROVISION_HELP };
  },
  catalog: async () => {
    const m = await import("./catalog-cli.js");
    return { run: m.catalogCommand, help: m.CATALOG_HELP };
  },
  feedback: async () => {
    const m = await import("./feedback-cli.js");
    return { run: m.feedbackCommand, help: m.FEEDBACK_HELP };
  },
  suggest: async () => {
    const m = await import("./suggest-command.js");
    return { run: m.suggestCommand, help: m.SUGGEST_HELP };
  },
};

function commandNamed(name: string): (() => Promise<{ run: Command; help: string }>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** Runs the CLI; returns the exit code. Every failure is reported as text, never a bare stack. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" && rest[0] ? commandNamed(rest[0]) : undefined;
    io.stdout(((topic ? (await topic()).help : undefined) ?? HELP) + "\n");
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${await version()}\n`);
    return EXIT.ok;
  }
  const load = commandNamed(name);
  if (!load) {
    io.stderr(`error: unknown command "${name}".\n\n${HELP}\n`);
    return EXIT.usage;
  }
  try {
    const command = await load();
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, name, io);
  }
}

function reportError(err: unknown, command: string, io: CliIO): number {
  if (err instanceof UsageError || err instanceof FileNotRead) {
    io.stderr(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ""}`);
    return EXIT.usage;
  }
  const e = err as { code?: string; message?: string };
  if (typeof e.code === "string" && e.code.startsWith("ERR_PARSE_ARGS")) {
    io.stderr(`error: ${e.message}\nhint: run \`apprentice-tools ${command} --help\` for its options.\n`);
    return EXIT.usage;
  }
  io.stderr(`error: ${command} failed unexpectedly: ${e.message ?? String(err)}\nThis is a bug in apprentice-tools; please report it with the command you ran.\n${(err as Error).stack ?? ""}\n`);
  return EXIT.usage;
}

/** Set by the bundler (scripts/bundle.mjs) to package.json's version; undeclared elsewhere. */
declare const APPRENTICE_TOOLS_VERSION: string | undefined;

/**
 * Our version: the bundle's, or the one in the nearest package.json above this module that
 * is ours (src/cli/main.ts or build/src/cli/main.js).
 */
async function version(): Promise<string> {
  if (typeof APPRENTICE_TOOLS_VERSION === "string") return APPRENTICE_TOOLS_VERSION;
  const { readFile } = await import("node:fs/promises");
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const text = await readFile(new URL("package.json", dir), "utf8").catch(() => undefined);
    const pkg = text === undefined ? undefined : (JSON.parse(text) as { name?: unknown; version?: unknown });
    if (pkg?.name === "apprentice-tools" && typeof pkg.version === "string") return pkg.version;
    if (dir.pathname === "/") return "unknown";
  }
}
