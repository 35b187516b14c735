/**
 * Fifty webhooks for the same (apprentice, tool) key at once, over real HTTP to the real
 * server: the dashboard they leave must equal a full rebuild from the issues. The server
 * runs with GITHUB_WRITE_PACING=off (allowed only against a local stand-in for GitHub), so
 * that fifty events' writes take seconds rather than minutes; everything else is as deployed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REBUILD_MARKER } from "../../src/core/dashboard-render.js";
import { SECRET, startAppHarness, type AppHarness } from "./support/app-harness.js";
import { dashboardOf, REPO_FILES, seedReport } from "./support/story.js";
import { issuesEvent } from "./support/webhooks.js";

let app: AppHarness;

beforeAll(async () => {
  // A threshold no burst reaches: this test is about the dashboard, not proposals.
  app = await startAppHarness({ ...REPO_FILES, "apprentice-tools.yml": "feedback: { thresholds: { add: 1000 } }\n" }, { pacing: false });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe("50 concurrent webhooks for the same key", () => {
  it("end with the dashboard equal to a rebuild, every issue answered once", async () => {
    const { gh } = app;
    const issues = Array.from({ length: 50 }, (_, i) => seedReport(gh, `apprentice-${i + 1}`, `burst-${i + 1}`));
    const answers = await Promise.all(issues.map((issue) => app.settle(app.opened(issue))));
    expect(answers.filter((a) => a.outcome !== "handled").map((a) => a.text)).toEqual([]);
    for (const issue of issues) expect(gh.state.issue(issue.number).comments.filter((c) => c.user.type === "Bot")).toHaveLength(1);

    const incremental = dashboardOf(gh);
    expect(incremental.state.evidence.entries).toHaveLength(50);
    expect([...gh.state.issues.values()].filter((i) => i.labels.includes("apprentice-tools:dashboard"))).toHaveLength(1);

    // Tick the dashboard's rebuild box, as a maintainer would.
    const ticked = incremental.body.replace(`- [ ] ${REBUILD_MARKER}`, `- [x] ${REBUILD_MARKER}`);
    const payload = issuesEvent("edited", { number: incremental.number, title: "apprentice-tools dashboard", body: ticked, author: "maintainer", labels: ["apprentice-tools:dashboard"] }, app.where);
    const rebuilt = await app.settle({ name: "issues", payload, secret: SECRET }, /dashboard rebuilt/);
    expect(rebuilt.outcome, rebuilt.text).toBe("handled");
    const after = dashboardOf(gh);
    expect(after.state.heartbeat.last_rebuild).not.toBeNull();
    expect(after.state.evidence).toEqual(incremental.state.evidence);
    expect(after.state.needsInfo).toEqual(incremental.state.needsInfo);
    expect(gh.unhandled).toEqual([]);
  }, 180_000);
});
