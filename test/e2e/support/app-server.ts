import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const SERVER = join(ROOT, "src/app/server.ts");

/** Nothing of the test runner's environment leaks into the child: only what a deployment sets. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env["PATH"] ?? "", HOME: tmpdir(), LANG: "C.UTF-8", NO_COLOR: "1" };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every log line so far (JSON, as LOG_FORMAT=json writes them). */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * `src/app/server.ts` (what `npm run start:app` runs, compiled) as a child process in an
 * empty folder (so no .env is read), on a free port; resolves once it listens.
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const cwd = mkdtempSync(join(tmpdir(), "apprentice-tools-app-"));
  const child = spawn(process.execPath, ["--import", TSX, SERVER], { cwd, env: { ...baseEnv(), PORT: "0", HOST: "127.0.0.1", LOG_FORMAT: "json", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app server did not start within 20 s\n${logs.join("\n")}\n${stderr}`)), 20_000);
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        const url = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve({
            url,
            child,
            logs,
            stop: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null) return done();
                child.once("exit", () => done());
                child.kill("SIGTERM");
              }),
          });
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      reject(new Error(`the app server exited with ${code} before listening\n${logs.join("\n")}\n${stderr}`));
    });
  });
}

/** Runs the server entry to its exit (a start that must fail) in a folder holding `files`: exit code and output. */
export function runServerToExit(env: Record<string, string>, files: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "apprentice-tools-app-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const child = spawn(process.execPath, ["--import", TSX, SERVER], { cwd, env: { ...baseEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}
