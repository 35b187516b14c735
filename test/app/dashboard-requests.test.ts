/**
 * Issue 6, performance: the GitHub API requests one feedback event costs must not grow
 * with history. Counted against the fake GitHub (deterministic, unlike timing), with 10
 * and with 10,000 earlier feedback issues seeded directly into its state.
 */
import { afterEach, describe, expect, it } from "vitest";
import { REBUILD_MARKER } from "../../src/core/dashboard-render.js";
import { REPLY_MARKER } from "../../src/core/feedback-reply.js";
import { apprenticeLabel, kindLabel, LABELS, toolLabel } from "../../src/core/labels.js";
import { FIXED, khipuMissing, repoFiles, startBot, type Bot } from "./dashboard-harness.js";

// High thresholds: the history crosses none, so the rebuild opens no PR and the event under measure is a plain one.
const CONFIG = ["catalog: manifests/catalog/", "feedback:", "  thresholds: { add: 100000, remove_unused: 100000, replace: 100000 }", ""].join("\n");

const TOOLS = Array.from({ length: 150 }, (_, i) => `tool_${i}`);
const DAY = 86_400_000;

let bot: Bot | undefined;
afterEach(async () => {
  if (!bot) return;
  expect(bot.gh.unhandled).toEqual([]);
  await bot.close_();
  bot = undefined;
});

/** `n` earlier feedback issues, each as the bot left it: labelled, with its reply; spread over two years. */
function seedHistory(b: Bot, n: number): void {
  for (const label of [LABELS.feedback, kindLabel("missing-tool"), apprenticeLabel("python_patterns"), ...TOOLS.map(toolLabel)]) b.gh.state.seedLabel(label);
  for (let i = 0; i < n; i++) {
    const tool = TOOLS[(i * 7) % TOOLS.length] ?? "tool_0";
    const createdAt = new Date(FIXED.getTime() - ((i * 37) % 730) * DAY - (i % 86_400) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    b.gh.state.seedIssue({
      title: `Missing ${tool}`,
      body: khipuMissing(tool),
      user: `reporter-${i % 400}`,
      labels: [LABELS.feedback.name, "feedback:missing-tool", "apprentice:python_patterns", `tool:${tool}`],
      createdAt,
      state: i % 5 === 0 ? "closed" : "open",
      stateReason: i % 10 === 0 ? "not_planned" : "completed",
      comments: [{ body: `${REPLY_MARKER}\nThanks, recorded.`, user: { login: "apprentice-tools[bot]", type: "Bot" }, createdAt }],
    });
  }
}

interface Figures {
  history: number;
  event: string[];
  rebuild: string[];
  pages: { issues: number; comments: number };
  stateEntries: number;
  bodyLength: number;
  ms: { event: number; rebuild: number };
}

async function measure(history: number): Promise<Figures> {
  const b = (bot = await startBot({ files: repoFiles(CONFIG) }));
  seedHistory(b, history);
  // The first event creates the dashboard from a full rebuild; the second warms the blob cache and the token.
  await b.report("first-reporter", khipuMissing("tool_1"));
  await b.report("second-reporter", khipuMissing("tool_2"));

  let mark = b.gh.requests.length;
  let t = performance.now();
  await b.report("new-reporter", khipuMissing("tool_3"));
  const event = b.since(mark);
  const eventMs = performance.now() - t;

  const dashboard = [...b.gh.state.issues.values()].find((i) => i.labels.includes(LABELS.dashboard.name));
  if (!dashboard) throw new Error("no dashboard");
  dashboard.body = (dashboard.body ?? "").replace(`- [ ] ${REBUILD_MARKER}`, `- [x] ${REBUILD_MARKER}`);
  mark = b.gh.requests.length;
  t = performance.now();
  await b.send("issues", "edited", {
    issue: { number: dashboard.number, title: dashboard.title, body: dashboard.body, state: "open", labels: [{ name: LABELS.dashboard.name }], user: { login: "maintainer", type: "User" } },
    changes: { body: { from: "" } },
    repository: { name: "fleet", full_name: "acme/fleet", default_branch: "main", owner: { login: "acme", type: "Organization" } },
    installation: { id: 77 },
    sender: { login: "maintainer", type: "User" },
  });
  const rebuild = b.since(mark);
  const rebuildMs = performance.now() - t;

  const feedbackIssues = [...b.gh.state.issues.values()].filter((i) => i.labels.includes(LABELS.feedback.name)).length;
  const comments = [...b.gh.state.issues.values()].reduce((n, i) => n + i.comments.length, 0);
  return {
    history,
    event,
    rebuild,
    pages: { issues: Math.ceil(feedbackIssues / 100), comments: Math.ceil(comments / 100) },
    stateEntries: b.state().evidence.entries.length,
    bodyLength: b.dashboard()?.body?.length ?? 0,
    ms: { event: Math.round(eventMs), rebuild: Math.round(rebuildMs) },
  };
}

const results = new Map<number, Figures>();

describe("GitHub API requests", () => {
  it.each([10, 10_000])(
    "one feedback event that crosses no threshold, with %i earlier feedback issues: at most 8 requests; a full rebuild: the list pages plus a constant",
    async (history) => {
      const f = await measure(history);
      results.set(history, f);
      console.log(
        `history ${history}: event ${f.event.length} requests (${f.ms.event} ms) [${f.event.join(", ")}]; ` +
          `rebuild ${f.rebuild.length} requests = ${f.pages.issues} issue pages + ${f.rebuild.length - f.pages.issues} (${f.ms.rebuild} ms); ` +
          `state ${f.stateEntries} entries, dashboard body ${f.bodyLength} characters`,
      );
      const [dashboard, issue] = [history + 2, history + 4];
      expect(f.event).toEqual([`GET ~/issues/${issue}`, "GET ~/git/trees/main", `POST ~/issues/${issue}/labels`, "GET ~/issues", `PATCH ~/issues/${dashboard}`, `POST ~/issues/${issue}/comments`]);
      expect(f.event.length).toBeLessThanOrEqual(8);
      // The issues' list pages (and the dashboard's own lookup, one more page of `GET ~/issues`). Every
      // seeded issue holds only the bot's reply, so no comment needs listing: ≈ 100 + 5 for 10,000 issues.
      const listPages = f.rebuild.filter((r) => r === "GET ~/issues").length;
      expect(listPages).toBe(f.pages.issues + 1);
      expect(f.rebuild.filter((r) => r.includes("/comments"))).toEqual([]);
      expect(f.rebuild.length - listPages).toBeLessThanOrEqual(5);
      expect(f.bodyLength).toBeLessThanOrEqual(65_536);
    },
    600_000,
  );

  it("costs the same for one event whatever the history", () => {
    const small = results.get(10);
    const large = results.get(10_000);
    if (!small || !large) return;
    expect(large.event.length).toBe(small.event.length);
  });
});
