import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.js";
import { startServerProcess, type ServerProcess } from "./app-server.js";
import { OWNER, REPO } from "./story.js";
import { deliver, generateAppKey, issuesEvent, type Delivery, type IssueSpec, type RepoCoordinates } from "./webhooks.js";

export const SECRET = "e2e-webhook-secret";
const INSTALLATION_ID = 4242;
const APP_ID = 31337;

/** The line each of the app's handlers logs when it is done with an event (src/app/index.ts). */
export const HANDLER_DONE = /^(issue #\d+: |proposal #\d+ |dashboard rebuilt)/;

export interface Settled {
  id: string;
  /** The HTTP answer: 200 when the handlers finished in time, 202 when they went on after 9 s. */
  status: number;
  text: string;
  /** How the handlers ended, from the server's log of that delivery. */
  outcome: "handled" | "failed";
}

export interface AppHarness {
  gh: FakeGitHub;
  server: ServerProcess;
  webhookUrl: string;
  where: RepoCoordinates;
  /** A signed `issues.opened` delivery for an issue. */
  opened(issue: IssueSpec): Delivery;
  /** Delivers a webhook and waits until its handlers are done (see below). */
  settle(d: Delivery, done?: RegExp): Promise<Settled>;
  /** `METHOD /path STATUS` of the requests made to the fake GitHub after `mark` (an index into gh.requests). */
  since(mark: number): string[];
  /** The same, without the reads. */
  writes(mark: number): string[];
  close(): Promise<void>;
}

/**
 * A fake GitHub holding `files` on main, and the real app server (a child process)
 * configured like a deployment: a generated RSA key, a webhook secret, and the fake as its
 * GitHub Enterprise Server through probot's own variables (GHE_HOST, GHE_PROTOCOL=http).
 */
export async function startAppHarness(files: Record<string, string>, options: { pacing?: boolean } = {}): Promise<AppHarness> {
  const gh = await startFakeGitHub({ owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, appId: APP_ID });
  gh.state.seedFiles("main", files, { message: "the fleet's manifests" });
  let server: ServerProcess;
  try {
    server = await startServerProcess({ APP_ID: String(APP_ID), PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: SECRET, GHE_HOST: new URL(gh.url).host, GHE_PROTOCOL: "http", LOG_LEVEL: "debug", ...(options.pacing === false ? { GITHUB_WRITE_PACING: "off" } : {}) });
  } catch (error) {
    await gh.close();
    throw error;
  }
  const where: RepoCoordinates = { owner: OWNER, repo: REPO, defaultBranch: "main", installationId: INSTALLATION_ID, origin: gh.url };
  const webhookUrl = `${server.url}/api/github/webhooks`;
  const since = (mark: number) => gh.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`);

  /**
   * probot answers 202 "still processing" after 9 s (GitHub gives up at 10 s) and goes on,
   * so the server's log of the delivery tells when the handlers are done.
   */
  async function settle(d: Delivery, done: RegExp = HANDLER_DONE): Promise<Settled> {
    const logMark = server.logs.length;
    const answer = await deliver(webhookUrl, d);
    if (answer.status >= 400 && answer.status !== 500) return { ...answer, outcome: "failed" };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const lines = server.logs
        .slice(logMark)
        .filter((l) => l.includes(`"id":"${answer.id}"`))
        .map((l) => JSON.parse(l) as { level: number; msg?: string });
      if (lines.some((l) => l.level >= 50)) return { ...answer, outcome: "failed" };
      if (lines.some((l) => done.test(l.msg ?? ""))) return { ...answer, outcome: "handled" };
      if (Date.now() > deadline) throw new Error(`delivery ${answer.id} (${answer.status}) did not finish within 60 s:\n${server.logs.slice(-20).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    gh,
    server,
    webhookUrl,
    where,
    opened: (issue) => ({ name: "issues", payload: issuesEvent("opened", issue, where), secret: SECRET }),
    settle,
    since,
    writes: (mark) => since(mark).filter((r) => !r.startsWith("GET ")),
    close: async () => {
      await server.stop();
      await gh.close();
    },
  };
}
