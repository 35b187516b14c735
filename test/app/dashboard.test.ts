import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { REBUILD_MARKER } from "../../src/core/dashboard-render.js";
import { LABELS } from "../../src/core/labels.js";
import { CONFIG, FIXED, khipuMissing, MANIFEST, MANIFEST_PATH, OWNER, REPO, repoFiles, startBot, type Bot } from "./dashboard-harness.js";

let bot: Bot | undefined;
afterEach(async () => {
  if (!bot) return;
  expect(bot.gh.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
  await bot.close_();
  bot = undefined;
});

async function start(options: Parameters<typeof startBot>[0] = {}): Promise<Bot> {
  bot = await startBot(options);
  return bot;
}

const BRANCH = "apprentice-tools/python_patterns/add-ast_parse";
const ADDED_LINE = "  - ast_parse";

/** Lines of `after` that are not in `before` and the reverse (a line diff good enough for one-line edits). */
function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return { added: b.slice(start, endB), removed: a.slice(start, endA) };
}

/** Three reporters (the threshold) report `tool` missing; returns the issue numbers. */
async function crossThreshold(b: Bot, tool = "ast_parse", reporters = ["ana", "ben", "cho"]): Promise<number[]> {
  const issues: number[] = [];
  for (const who of reporters) issues.push(await b.report(who, khipuMissing(tool)));
  return issues;
}

const pulls = (b: Bot) => [...b.gh.state.pulls.values()];
const openPulls = (b: Bot) => pulls(b).filter((p) => b.gh.state.issue(p.number).state === "open");

describe("a missing tool reported by three reporters (the threshold)", () => {
  it("opens one branch, one commit and one labelled PR, in that order, and the dashboard links it", async () => {
    const b = await start();
    await crossThreshold(b, "ast_parse", ["ana", "ben"]);
    expect(b.gh.state.branches()).toEqual(["main"]);
    const dashboard = b.dashboard();
    expect(dashboard?.number).toBe(2);

    const mark = b.gh.requests.length;
    const third = await b.report("cho", khipuMissing("ast_parse"));
    expect(third).toBe(4);
    expect(b.writes(mark)).toEqual([
      "POST ~/issues/4/labels",
      "POST ~/git/refs",
      "PUT ~/contents/manifests%2Fpython_patterns.yaml",
      "POST ~/pulls",
      "POST ~/issues/5/labels",
      "PATCH ~/labels/apprentice-tools%3Asuggestion",
      "PATCH ~/issues/2",
      "POST ~/issues/4/comments",
    ]);
    const createRef = b.gh.requests.slice(mark).find((r) => r.method === "POST" && r.path.endsWith("/git/refs"));
    expect(createRef?.body).toMatchObject({ ref: `refs/heads/${BRANCH}`, sha: b.gh.state.git.branchSha("main") });

    // One commit on top of main, changing only the manifest, and in it only the added line.
    expect(b.gh.state.branches()).toEqual(["main", BRANCH]);
    const head = b.gh.state.git.commit(b.gh.state.git.branchSha(BRANCH) ?? "");
    expect(head.parents).toEqual([b.gh.state.git.branchSha("main")]);
    const before = b.gh.state.files("main");
    const after = b.gh.state.files(BRANCH);
    expect(Object.keys(after).filter((p) => after[p] !== before[p])).toEqual([MANIFEST_PATH]);
    expect(lineDiff(MANIFEST, after[MANIFEST_PATH] ?? "")).toEqual({ added: [ADDED_LINE], removed: [] });
    expect(after[MANIFEST_PATH]).toContain("  - lint_python\n  - ast_parse\n");

    // One PR against main, labelled, with the evidence and the plan diff.
    expect(pulls(b)).toHaveLength(1);
    const pr = b.gh.state.pull(5);
    expect(pr).toMatchObject({ head: BRANCH, base: "main", merged: false });
    const prIssue = b.gh.state.issue(5);
    expect(prIssue.title).toBe("python_patterns: add ast_parse to optional tools");
    expect(prIssue.labels).toEqual([LABELS.suggestion.name]);
    expect(b.gh.state.labels.get(LABELS.suggestion.name)).toMatchObject({ color: LABELS.suggestion.color, description: LABELS.suggestion.description });
    const body = prIssue.body ?? "";
    expect(body).toContain("3 reports from 3 reporters (weight 3 ≥ 3) say python_patterns is missing `ast_parse`");
    expect(body).toContain("| Issues | #1 #3 #4 |");
    expect(body).toContain("| Reporters | `ana`, `ben`, `cho` |");
    expect(body).toMatch(/Plan diff[\s\S]*ast_parse/);
    expect(body).toContain("Close without merging to decline");

    const dash = b.dashboard()?.body ?? "";
    expect(dash).toContain("| `python_patterns` | `ast_parse` | 3.0 | 3 | #1 #3 #4 | proposal #5 |");
    expect(dash).toContain("Open: #5 (`python_patterns/add-ast_parse`)");
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", pr: 5, issues: [1, 3, 4] });
    expect(b.state().heartbeat.last_proposal).toBe(FIXED.toISOString());
  });

  it("opens nothing below the threshold, and the dashboard says how far the evidence has come", async () => {
    const b = await start();
    // Two reporters, and one of them twice: distinct reporters count once.
    await crossThreshold(b, "ast_parse", ["ana", "ben", "ana"]);
    expect(b.gh.state.branches()).toEqual(["main"]);
    expect(pulls(b)).toEqual([]);
    expect(b.gh.requests.filter((r) => r.path.includes("/pulls") || r.path.includes("/git/refs") || r.path.includes("/contents/"))).toEqual([]);
    expect(b.dashboard()?.body).toContain("| `python_patterns` | `ast_parse` | 2.0 | 2 | #1 #3 #4 | 2.0 of 3 |");
  });

  it("updates the open PR's body on new evidence, never opening a second one", async () => {
    const b = await start();
    await crossThreshold(b);
    const mark = b.gh.requests.length;
    await b.report("dee", khipuMissing("ast_parse"));
    expect(b.writes(mark)).toEqual(["POST ~/issues/6/labels", "PATCH ~/pulls/5", "PATCH ~/issues/2", "POST ~/issues/6/comments"]);
    expect(pulls(b)).toHaveLength(1);
    expect(b.gh.state.issue(5).body).toContain("| Issues | #1 #3 #4 #6 |");
    expect(b.gh.state.issue(5).body).toContain("4 reports from 4 reporters");
    expect(b.gh.state.branches()).toEqual(["main", BRANCH]);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", pr: 5, issues: [1, 3, 4, 6] });
  });
});

describe("decisions on a proposal", () => {
  it("remembers a declined PR: more reports do not reopen it until the evidence doubles", async () => {
    const b = await start();
    await crossThreshold(b);
    await b.closePull(5, false);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "declined", pr: 5, weight_at_close: 3 });
    expect(b.dashboard()?.body).toContain("declined in #5; back when evidence reaches 6.0");
    expect(b.dashboard()?.body).toContain("Declined (not proposed again unless the evidence doubles): `python_patterns/add-ast_parse` in #5");

    const mark = b.gh.requests.length;
    await b.report("dee", khipuMissing("ast_parse"));
    await b.report("eve", khipuMissing("ast_parse"));
    expect(b.since(mark).filter((r) => r.includes("/pulls") || r.includes("/git/"))).toEqual(["GET ~/git/trees/main", "GET ~/git/trees/main"]);
    expect(openPulls(b)).toEqual([]);

    // The sixth reporter doubles the evidence (6 ≥ 2 × 3): proposed again, from a fresh branch.
    await b.report("fay", khipuMissing("ast_parse"));
    expect(openPulls(b).map((p) => p.number)).toEqual([9]);
    expect(lineDiff(MANIFEST, b.gh.state.file(BRANCH, MANIFEST_PATH) ?? "")).toEqual({ added: [ADDED_LINE], removed: [] });
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", pr: 9, weight_at_close: 3 });
  });

  it("thanks and closes the feedback issues of a merged PR, and the dashboard shows the need met", async () => {
    const b = await start();
    const issues = await crossThreshold(b);
    await b.closePull(5, true);
    for (const n of issues) {
      const issue = b.gh.state.issue(n);
      expect(issue).toMatchObject({ state: "closed", stateReason: "completed" });
      const thanks = issue.comments.filter((c) => c.body.startsWith("<!-- apprentice-tools:thanks -->"));
      expect(thanks).toHaveLength(1);
      expect(thanks[0]?.body).toContain("helped change `python_patterns`'s tools in #5");
    }
    expect(b.gh.state.file("main", MANIFEST_PATH)).toContain("  - ast_parse\n");
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "merged", pr: 5 });
    const dash = b.dashboard()?.body ?? "";
    expect(dash).toContain("| `python_patterns` | `ast_parse` | 3.0 | 3 | #1 #3 #4 | added in #5 |");
    expect(dash).toContain("🌱 **1** need met by merged proposals; 0 still open.");

    // Redelivering the close changes nothing: no second thank-you.
    const mark = b.gh.requests.length;
    await b.closePull(5, false).catch(() => undefined);
    expect(b.writes(mark)).toEqual([]);
  });

  it("opens no PR for a forbidden tool and lists it as requested but forbidden by its pattern", async () => {
    const b = await start();
    await crossThreshold(b, "docker_run");
    expect(pulls(b)).toEqual([]);
    expect(b.gh.state.branches()).toEqual(["main"]);
    expect(b.dashboard()?.body).toContain("| `python_patterns` | `docker_run` | 3.0 | 3 | #1 #3 #4 | requested but forbidden by `docker_*` |");
  });
});

describe("the dashboard issue", () => {
  it("is reopened on the next change after being closed by hand", async () => {
    const b = await start();
    await b.report("ana", khipuMissing("ast_parse"));
    const dashboard = b.dashboard();
    expect(dashboard).toMatchObject({ number: 2, state: "open", title: "apprentice-tools dashboard", labels: [LABELS.dashboard.name] });
    b.gh.state.setIssueState(b.gh.state.issue(2), "closed", "completed");
    await b.report("ben", khipuMissing("ast_parse"));
    expect(b.gh.state.issue(2).state).toBe("open");
    expect(b.dashboard()?.body).toContain("| #1 #3 |");
  });

  it("starts, when first created, from every feedback issue filed before it", async () => {
    const b = await start();
    for (const who of ["ana", "ben"]) b.gh.state.seedIssue({ title: "earlier", body: khipuMissing("ast_parse"), user: who, labels: [LABELS.feedback.name] });
    await b.report("cho", khipuMissing("ast_parse"));
    expect(b.state().evidence.entries.map((e) => e.issue)).toEqual([1, 2, 3]);
    expect(b.state().heartbeat.last_rebuild).toBe(FIXED.toISOString());
    expect(openPulls(b).map((p) => p.head)).toEqual([BRANCH]);
  });

  it("is left closed, and left alone, when the config turns the dashboard off", async () => {
    const b = await start();
    await b.report("ana", khipuMissing("ast_parse"));
    b.gh.state.setIssueState(b.gh.state.issue(2), "closed", "completed");
    b.gh.state.seedFile("main", "apprentice-tools.yml", `${CONFIG}  dashboard: false\n`);
    const before = b.gh.state.issue(2).body;
    const mark = b.gh.requests.length;
    await b.report("ben", khipuMissing("ast_parse"));
    expect(b.gh.state.issue(2)).toMatchObject({ state: "closed", body: before });
    expect(b.writes(mark)).toEqual(["POST ~/issues/3/labels", "POST ~/issues/3/comments"]);
  });

  it("is never created when the config turns it off", async () => {
    const b = await start({ files: repoFiles(`${CONFIG}  dashboard: false\n`) });
    await b.report("ana", khipuMissing("ast_parse"));
    expect(b.dashboard()).toBeUndefined();
    expect([...b.gh.state.issues.keys()]).toEqual([1]);
  });

  it("is rebuilt from every feedback issue when someone ticks its rebuild box", async () => {
    const b = await start();
    await crossThreshold(b, "ast_parse", ["ana", "ben"]);
    // Feedback the bot never saw (filed while it was down), and a state that lost an issue.
    const missed = b.gh.state.seedIssue({ title: "missed", body: khipuMissing("ast_parse"), user: "cho", labels: [LABELS.feedback.name] });
    const dashboard = b.gh.state.issue(2);
    const body = dashboard.body ?? "";
    expect(body).toContain(`- [ ] ${REBUILD_MARKER}`);
    dashboard.body = body.replace(`- [ ] ${REBUILD_MARKER}`, `- [x] ${REBUILD_MARKER}`);
    await b.send("issues", "edited", dashboardEdited(b));
    expect(b.state().evidence.entries.map((e) => e.issue)).toEqual([1, 3, missed.number]);
    expect(b.state().heartbeat.last_rebuild).toBe(FIXED.toISOString());
    expect(b.dashboard()?.body).toContain(`- [ ] ${REBUILD_MARKER}`);
    expect(b.dashboard()?.body).toContain("last full rebuild 2026-11-10");
    // Three reporters now: the rebuild's evidence crosses the threshold and the PR is opened.
    expect(openPulls(b).map((p) => b.gh.state.issue(p.number).title)).toEqual(["python_patterns: add ast_parse to optional tools"]);

    // The bot's own edit (box unticked) is not a request to rebuild.
    const mark = b.gh.requests.length;
    await b.send("issues", "edited", dashboardEdited(b));
    expect(b.since(mark)).toEqual([]);
  });
});

describe("a decision the dashboard missed", () => {
  it("is taken from the PR itself by the next rebuild (a merge whose event was lost or overwritten)", async () => {
    const b = await start();
    await crossThreshold(b);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", pr: 5 });
    // Merged on GitHub, but the bot never handled the closing event.
    const merged = await fetch(`${b.gh.url}/repos/${OWNER}/${REPO}/pulls/5/merge`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
    expect(merged.status).toBe(200);
    const dashboard = b.gh.state.issue(2);
    dashboard.body = (dashboard.body ?? "").replace(`- [ ] ${REBUILD_MARKER}`, `- [x] ${REBUILD_MARKER}`);
    await b.send("issues", "edited", dashboardEdited(b));
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "merged", pr: 5 });
    expect(openPulls(b)).toEqual([]);
  });
});

/** `issues.edited` for the dashboard as it now stands. */
function dashboardEdited(b: Bot): Record<string, unknown> {
  const d = b.gh.state.issue(2);
  return {
    issue: { number: 2, title: d.title, body: d.body, state: d.state, labels: d.labels.map((name) => ({ name })), user: { login: "maintainer", type: "User" } },
    changes: { body: { from: "" } },
    repository: { name: "fleet", full_name: "acme/fleet", default_branch: "main", owner: { login: "acme", type: "Organization" } },
    installation: { id: 77 },
    sender: { login: "maintainer", type: "User" },
  };
}

describe("failures and redeliveries", () => {
  it.each([
    ["creating the PR", "POST", /\/pulls$/],
    ["committing the manifest", "PUT", /\/contents\//],
  ])("leaves no branch without its PR when %s fails, still answers, and opens it on the next event", async (_, method, path) => {
    const b = await start();
    await crossThreshold(b, "ast_parse", ["ana", "ben"]);
    b.gh.failNext({ method, path }, { status: 502, body: { message: "Server Error" } });
    const dashboardBefore = b.gh.state.issue(2).body;
    await b.report("cho", khipuMissing("ast_parse"));
    expect(b.gh.state.branches()).toEqual(["main"]);
    expect(pulls(b)).toEqual([]);
    // The dashboard was written whole, with the proposal still pending; the reporter got an answer.
    expect(b.gh.state.issue(2).body).not.toBe(dashboardBefore);
    expect(b.dashboard()?.body).toContain("| #1 #3 #4 | proposal pending |");
    expect(b.state().proposals).toEqual({});
    expect(b.gh.state.issue(4).comments).toHaveLength(1);

    await b.report("dee", khipuMissing("ast_parse"));
    expect(openPulls(b).map((p) => p.head)).toEqual([BRANCH]);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", issues: [1, 3, 4, 5] });
  });

  it("does not open a second PR when the dashboard could not be written after the first was opened", async () => {
    const b = await start();
    await crossThreshold(b, "ast_parse", ["ana", "ben"]);
    b.gh.failNext({ method: "PATCH", path: /\/issues\/2$/ }, { status: 502, body: { message: "Server Error" } });
    await expect(b.report("cho", khipuMissing("ast_parse"))).rejects.toThrow();
    expect(pulls(b)).toHaveLength(1);
    expect(b.gh.state.issue(4).comments).toEqual([]);
    // The event failed as a whole (no reply): redelivering it finds the open PR by its branch and records it.
    await b.redeliver(-1);
    expect(pulls(b)).toHaveLength(1);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "open", pr: 5, issues: [1, 3, 4] });
    expect(b.gh.state.issue(4).comments).toHaveLength(1);
    await b.report("dee", khipuMissing("ast_parse"));
    expect(pulls(b)).toHaveLength(1);
    expect(b.gh.state.issue(5).body).toContain("| Issues | #1 #3 #4 #6 |");
  });

  it("remembers a declined PR by its branch even when the state was lost", async () => {
    const b = await start();
    await crossThreshold(b);
    await b.closePull(5, false);
    // Someone wiped the dashboard's hidden state.
    const d = b.gh.state.issue(2);
    d.body = (d.body ?? "").replace(/<!-- apprentice-tools:state [^>]*-->/, "");
    await b.report("dee", khipuMissing("ast_parse"));
    expect(openPulls(b)).toEqual([]);
    expect(b.state().proposals["python_patterns/add-ast_parse"]).toMatchObject({ status: "declined", pr: 5, weight_at_close: 4 });
  });

  it("changes nothing when an event is delivered again", async () => {
    const b = await start();
    const [first] = await crossThreshold(b);
    await b.comment(first ?? 1, "ana", "**Tool Problem**: `grep` - Issue: slow on large repositories");
    const snapshot = b.gh.state.snapshot();
    const state = b.state();
    const mark = b.gh.requests.length;
    // The comment, the third report (which opened the PR), and the first report, again.
    await b.redeliver(-1);
    await b.redeliver(-2);
    await b.redeliver(0);
    expect(b.writes(mark)).toEqual([]);
    expect(b.gh.state.snapshot()).toEqual(snapshot);
    expect(b.state()).toEqual(state);
  });
});

describe("the hidden state", () => {
  it("survives a round trip: what the bot reads back is what it wrote, and a no-op event writes nothing", async () => {
    const b = await start();
    await crossThreshold(b);
    await b.report("dee", "**Apprentice**: python_patterns\n\n- **Tool Suggestion**: Replace `glob` with `file_search` - Reason: globs miss ignored folders\n- **Tool Problem**: `grep` - Issue: times out");
    await b.report("eve", "**Apprentice**: pyton_patterns\n\n- **Missing Tool**: `ast_parse` - Needed for: typo in the type");
    const state = b.state();
    expect(state.needsInfo).toEqual([7]);
    expect(state.evidence.entries.map((e) => [e.issue, e.kind, e.tool])).toEqual([
      [1, "missing-tool", "ast_parse"],
      [3, "missing-tool", "ast_parse"],
      [4, "missing-tool", "ast_parse"],
      [6, "tool-problem", "grep"],
      [6, "tool-suggestion", "glob"],
    ]);
    const mark = b.gh.requests.length;
    await b.edit(6, b.gh.state.issue(6).body ?? "");
    expect(b.writes(mark)).toEqual([]);
    expect(b.state()).toEqual(state);
  });
});

type Op =
  | { op: "open"; who: number; tool: number; kind: number }
  | { op: "edit"; issue: number; tool: number }
  | { op: "close"; issue: number; reason: "completed" | "not_planned" }
  | { op: "reopen"; issue: number }
  | { op: "comment"; issue: number; who: number; tool: number };

const TOOLS = ["ast_parse", "treesitter_parse", "file_search", "docker_run", "glob"];
const PEOPLE = ["ana", "ben", "cho", "dee"];

function feedbackBody(kind: number, tool: string): string {
  if (kind === 0) return khipuMissing(tool);
  if (kind === 1) return `**Apprentice**: python_patterns\n\n**Tool Problem**: \`${tool}\` - Issue: it fails`;
  if (kind === 2) return `**Apprentice**: python_patterns\n\n**Tool Suggestion**: Replace \`glob\` with \`${tool}\` - Reason: better`;
  // A type nobody defines: needs info.
  return khipuMissing(tool, "pyton_patterns");
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("open" as const), who: fc.nat(PEOPLE.length - 1), tool: fc.nat(TOOLS.length - 1), kind: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("edit" as const), issue: fc.nat(20), tool: fc.nat(TOOLS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("close" as const), issue: fc.nat(20), reason: fc.constantFrom("completed" as const, "not_planned" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("reopen" as const), issue: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("comment" as const), issue: fc.nat(20), who: fc.nat(PEOPLE.length - 1), tool: fc.nat(TOOLS.length - 1) }) },
);

describe("incremental = rebuild", () => {
  it("the state after any sequence of events equals the state a full rebuild gives (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (rest) => {
        // The first report creates the dashboard; everything after it is random.
        const ops: Op[] = [{ op: "open", who: 0, tool: 0, kind: 0 }, ...rest];
        const b = await startBot();
        try {
          const reports: number[] = [];
          for (const o of ops) {
            const target = reports.length ? reports[("issue" in o ? o.issue : 0) % reports.length] : undefined;
            if (o.op === "open") reports.push(await b.report(PEOPLE[o.who] ?? "ana", feedbackBody(o.kind, TOOLS[o.tool] ?? "ast_parse")));
            else if (target === undefined) continue;
            else if (o.op === "edit") await b.edit(target, feedbackBody(0, TOOLS[o.tool] ?? "ast_parse"));
            else if (o.op === "close" && b.gh.state.issue(target).state === "open") await b.close(target, o.reason);
            else if (o.op === "reopen" && b.gh.state.issue(target).state === "closed") await b.reopen(target);
            else if (o.op === "comment") await b.comment(target, PEOPLE[o.who] ?? "ana", `**Missing Tool**: \`${TOOLS[o.tool] ?? "ast_parse"}\` - Needed for: more`);
          }
          const incremental = b.state();
          const d = b.gh.state.issue(2);
          d.body = (d.body ?? "").replace(`- [ ] ${REBUILD_MARKER}`, `- [x] ${REBUILD_MARKER}`);
          await b.send("issues", "edited", dashboardEdited(b));
          const rebuilt = b.state();
          expect(incremental.evidence).toEqual(rebuilt.evidence);
          expect(incremental.needsInfo).toEqual(rebuilt.needsInfo);
          expect(b.gh.unhandled).toEqual([]);
        } finally {
          await b.close_();
        }
      }),
      { numRuns: Number(process.env["DASH_RUNS"] ?? 12) },
    );
  }, 240_000);
});
