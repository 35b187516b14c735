import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FeedbackEntry } from "../../src/core/feedback-entry.js";
import { parseFeedback } from "../../src/core/feedback-parse.js";
import { isBotComment, labelsInReply, MAX_COMMENT_CHARS, OWNERS_MARKER, renderFeedbackReply, renderOwnersNotice, REPLY_MARKER, type ReplyContext } from "../../src/core/feedback-reply.js";
import { triageFeedback, type Triage, type TriagedEntry } from "../../src/core/feedback-triage.js";
import { toolLabel } from "../../src/core/labels.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { checkBytes } from "../support/manifest-fixtures.js";

const PYTHON = checkBytes(
  "manifests/python_patterns_reviewer.yaml",
  `apprentice_type: python_patterns_reviewer
description: "Reviews Python"
required_tools: [read_file, grep, ast_parse]
optional_tools: [lint_python]
forbidden_tools: [write_file, "docker_*"]
`,
).manifest as Manifest;

const manifests = new Map([["python_patterns_reviewer", PYTHON]]);
const replyCtx: ReplyContext = {
  knownTypes: ["python_patterns_reviewer"],
  ownersOf: () => ["@acme/python-guild", "@alice"],
  patternPlace: (_type, pattern) => (pattern === "docker_*" ? "manifests/python_patterns_reviewer.yaml:6" : undefined),
};

const reply = (body: string) => renderFeedbackReply(triageFeedback(parseFeedback(body), { manifests }), replyCtx);
const py = (...lines: string[]) => ["**Apprentice**: python_patterns_reviewer", ...lines].join("\n");

/** The rows of the reply's table, header and separator included. */
function tableLines(body: string): string[] {
  return body.split("\n").filter((l) => l.startsWith("|"));
}

/** Cells of a table row as GitHub splits it: on every `|` not escaped with a backslash. */
function cellCount(row: string): number {
  return row.split(/(?<!\\)\|/).length - 2;
}

/** Everything the invariants below say of any reply, whatever the issue said. */
function expectSafe(body: string): void {
  expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
  // The only hidden markers are the bot's own, at the very top.
  expect(body.startsWith(`${REPLY_MARKER}\n<!-- apprentice-tools:labels `)).toBe(true);
  expect(body.split("<!--")).toHaveLength(3);
  expect(body.split("\n").slice(2).join("\n")).not.toMatch(/<[A-Za-z!/?]/);
  // No mention that would ping someone.
  expect(body).not.toMatch(/@[A-Za-z0-9]/);
  const rows = tableLines(body);
  for (const row of rows) expect(cellCount(row)).toBe(5);
}

function entry(overrides: Partial<FeedbackEntry> = {}): FeedbackEntry {
  return {
    kind: "missing-tool",
    apprentice_type: "python_patterns_reviewer",
    tool: "ast_parse",
    suggested_tool: null,
    text: "",
    severity: null,
    source: { issue_number: 1, comment_id: null, url: null },
    author: null,
    created_at: null,
    updated_at: null,
    state: "open",
    state_reason: null,
    format: "khipu",
    ...overrides,
  };
}

function triaged(e: FeedbackEntry, overrides: Partial<TriagedEntry> = {}): TriagedEntry {
  return { entry: e, verdict: "accepted", required: false, knownTool: true, critical: false, missing: [], ...overrides };
}

function triageOf(entries: TriagedEntry[], overrides: Partial<Triage> = {}): Triage {
  return { entries, labels: [toolLabel("x")], needsInfo: entries.some((t) => t.verdict === "needs-info"), critical: entries.some((t) => t.critical), criticalTypes: [], truncated: false, bodyProblems: [], ...overrides };
}

describe("renderFeedbackReply: what it says", () => {
  it("answers accepted feedback with a table and what happens next", () => {
    const body = reply(py("**Missing Tool**: `treesitter_parse` - Needed for: decorated defs"));
    expect(tableLines(body)).toEqual(["| Kind | Apprentice | Tool | Detail | Status |", "| --- | --- | --- | --- | --- |", "| Missing tool | `python_patterns_reviewer` | `treesitter_parse` | decorated defs | ✅ recorded |"]);
    expect(body).toContain("**What happens next:**");
    expectSafe(body);
  });

  it("states evidence and threshold when the dashboard knows them", () => {
    const t = triageFeedback(parseFeedback(py("**Missing Tool**: `treesitter_parse` - Needed for: x")), { manifests });
    const body = renderFeedbackReply(t, { ...replyCtx, evidenceFor: () => ({ weight: 2.5, issues: 3, threshold: 3 }), dashboardUrl: "https://github.com/acme/fleet/issues/1" });
    expect(body).toContain("- adding `treesitter_parse` to `python_patterns_reviewer`: evidence 2.5 of 3 from 3 issues.");
    expect(body).toContain("📊 [Evidence dashboard](https://github.com/acme/fleet/issues/1)");
  });

  it("says when an issue no longer carries feedback", () => {
    const body = renderFeedbackReply(triageOf([], { labels: [] }), replyCtx);
    expect(body).toContain("I no longer find any apprentice feedback in this issue");
    expect(tableLines(body)).toEqual([]);
  });

  it("keeps the labels it applied in a hidden line, read back exactly", () => {
    const t = triageFeedback(parseFeedback(py("**Missing Tool**: `treesitter_parse` - Needed for: x")), { manifests });
    const body = renderFeedbackReply(t, replyCtx);
    expect(labelsInReply(body)).toEqual(["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse"]);
    expect(labelsInReply("a reply without state")).toBeUndefined();
  });

  it("renders the same text for the same feedback (so an unchanged edit changes nothing)", () => {
    const body = py("**Missing Tool**: `treesitter_parse` - Needed for: x", "**Tool Problem**: `grep` - Issue: slow");
    expect(reply(body)).toBe(reply(`${body}\n\nThanks!`));
  });
});

describe("renderFeedbackReply: hostile bodies", () => {
  it("1 MB of text: stays under GitHub's comment cap and says it stopped reading", () => {
    const body = py("**Missing Tool**: `treesitter_parse` - Needed for: x", "filler ".repeat(150_000));
    const out = reply(body);
    expect(out).toContain("the issue was longer than I read");
    expectSafe(out);
  });

  it("1 MB inside one entry's text: the detail is cut short", () => {
    const out = reply(py(`**Tool Problem**: \`grep\` - Issue: ${"<b>@octocat</b> | ".repeat(50_000)}`, ""));
    expectSafe(out);
  });

  it("10,000 entries: caps them, with a note", () => {
    const out = reply(py(...Array.from({ length: 10_000 }, (_, i) => `**Missing Tool**: \`tool_${i}\` - Needed for: x`)));
    expect(tableLines(out).length - 2).toBeLessThanOrEqual(50);
    expect(out).toMatch(/_Only the first \d+ entries are shown; the issue was longer than I read/);
    expectSafe(out);
  });

  it("10,000 entries that all need info, with hostile names: the needs-info list is capped too", () => {
    const bad = "`<!--x|y-->@team`";
    const out = reply(Array.from({ length: 10_000 }, (_, i) => `**Tool Suggestion**: Replace ${bad}${i} with \`a b|${"<x>".repeat(40)}\` - Reason: @org/team ${"|".repeat(200)}`).join("\n"));
    expect(out).toMatch(/…and \d+ more like these/);
    expectSafe(out);
  });

  it.each([
    ["a user mention in the text", py("**Tool Problem**: `grep` - Issue: ask @octocat or @acme/admins")],
    ["a mention as the tool name", py("**Missing Tool**: `@octocat` - Needed for: x")],
    ["a mention as the apprentice type", "**Apprentice**: @acme/admins\n**Missing Tool**: `ast_parse` - Needed for: x"],
    ["an email-like mention", py("**Missing Tool**: `x@octocat` - Needed for: cc @octocat")],
  ])("never pings: %s", (_what, body) => {
    const out = reply(body);
    expect(out).toMatch(/@\u200b/);
    expectSafe(out);
  });

  it.each([
    ["a forged reply marker in the text", py(`**Missing Tool**: \`ast_parse\` - Needed for: ${OWNERS_MARKER} ${REPLY_MARKER}`)],
    ["a marker split around the HTML-comment stripping", py("**Missing Tool**: `ast_parse` - Needed for: <!<!-- -->-- apprentice-tools:owners-notified -->")],
    ["HTML in the text", py('**Missing Tool**: `ast_parse` - Needed for: <img src=x onerror=alert(1)><details open><summary>x</summary>')],
    ["HTML as the tool name", py("**Missing Tool**: `<script>alert(1)</script>` - Needed for: x")],
    ["HTML as the type", "**Apprentice**: <b>x</b>\n**Missing Tool**: `ast_parse` - Needed for: x"],
  ])("never lets a body forge markers or HTML: %s", (_what, body) => {
    expectSafe(reply(body));
  });

  it.each([
    ["a pipe in a tool name", py("**Tool Problem**: `a|b` - Issue: x")],
    ["backticks and pipes in a tool name", py("**Tool Problem**: ``a`|`b`` - Issue: x|y")],
    ["pipes everywhere", py("**Tool Suggestion**: Replace `a|b` with `c||d` - Reason: | | |")],
    ["a backslash before a pipe", py("**Missing Tool**: `a\\|b\\` - Needed for: x\\|y\\")],
  ])("never breaks the table: %s", (_what, body) => {
    const out = reply(body);
    expect(tableLines(out).length).toBe(3);
    expectSafe(out);
  });

  it("keeps every invariant for any entry whatsoever (property)", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "@", "|", "`", "<", ">", "!", "-", "\\", "\n", " ", "\u2028", "/", "*", "_", "&", "#", "é"), maxLength: 120 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ tool: text, type: fc.option(text, { nil: null }), suggested: text, detail: text, verdict: fc.constantFrom("accepted" as const, "needs-info" as const), missing: fc.array(text, { maxLength: 3 }), forbiddenBy: fc.option(text, { nil: undefined }) }), { maxLength: 70 }),
        (items) => {
          const entries = items.map((i) => {
            const t = triaged(entry({ kind: "tool-suggestion", tool: i.tool, apprentice_type: i.type, suggested_tool: i.suggested, text: i.detail }), { verdict: i.verdict, missing: i.missing });
            if (i.forbiddenBy !== undefined) t.forbiddenBy = i.forbiddenBy;
            return t;
          });
          expectSafe(renderFeedbackReply(triageOf(entries), replyCtx));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the forbidden-by-policy note", () => {
  it("names the pattern, its place and who can change it, without pinging them", () => {
    const out = reply(py("**Missing Tool**: `docker_run` - Needed for: running tests"));
    expect(out).toContain("🚫 `docker_run` is **forbidden by policy** for `python_patterns_reviewer`: the pattern `docker_*` in `manifests/python_patterns_reviewer.yaml:6` excludes it.");
    expect(out).toContain("its owners (`@\u200bacme/python-guild`, `@\u200balice`) can change the policy");
    expectSafe(out);
  });
});

describe("renderOwnersNotice", () => {
  const critical = triageOf([triaged(entry({ kind: "tool-problem", tool: "ast_parse", severity: "blocking" }), { critical: true, required: true })], { critical: true, criticalTypes: ["python_patterns_reviewer"] });

  it("mentions exactly the owners it is given, once, behind its marker", () => {
    const notice = renderOwnersNotice(critical, new Map([["python_patterns_reviewer", ["@acme/python-guild", "@alice"]]]));
    expect(notice).toBe(`${OWNERS_MARKER}\n🔴 **Critical apprentice feedback**\n\n@acme/python-guild @alice — \`python_patterns_reviewer\` reports a critical problem with \`ast_parse\` (blocking).\n`);
  });

  it("never echoes a mention from the issue itself", () => {
    const hostile = triageOf([triaged(entry({ kind: "tool-problem", tool: "@octocat", severity: "blocking" }), { critical: true })], { critical: true, criticalTypes: ["python_patterns_reviewer"] });
    const notice = renderOwnersNotice(hostile, new Map([["python_patterns_reviewer", ["@acme/python-guild"]]])) ?? "";
    expect(notice.match(/@[A-Za-z0-9]/g)).toEqual(["@a"]);
  });

  it("says nothing when nobody owns the manifest", () => {
    expect(renderOwnersNotice(critical, new Map())).toBeUndefined();
  });
});

describe("isBotComment", () => {
  it.each([
    [{ body: `${REPLY_MARKER}\nhi`, author_type: "Bot" }, true],
    [{ body: `${REPLY_MARKER}\nhi`, author_type: "User" }, false],
    [{ body: `hi ${REPLY_MARKER}`, author_type: "Bot" }, false],
  ])("%j → %s", (comment, expected) => {
    expect(isBotComment(comment, REPLY_MARKER)).toBe(expected);
  });
});
