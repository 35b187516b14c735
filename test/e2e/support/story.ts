import { extractStateBlob } from "../../../src/core/dashboard-render.js";
import { parseDashboardState, type DashboardState } from "../../../src/core/dashboard-state.js";
import { decodeState } from "../../../src/app/state-codec.js";
import type { FakeGitHub } from "../../support/fake-github.js";
import type { IssueSpec } from "./webhooks.js";

/**
 * The repository of the story: a fleet with Mallku's python_patterns apprentice, and the
 * apprentices who report, in khipu form, that they were missing `ast_parse`.
 */

export const OWNER = "mallku";
export const REPO = "fleet";

export const REPO_FILES: Record<string, string> = {
  "apprentice-tools.yml": "limits: { max_tools: 20, safety_margin: 2 }\nowners: ['@mallku/stewards']\n",
  "manifests/python_patterns.yaml": [
    "# Reviews Python code for recurring patterns.",
    "apprentice_type: python_patterns",
    'description: "Analyzes Python code for patterns and anti-patterns"',
    "required_tools: [read_file, grep]",
    "optional_tools: [edit_file, multi_edit, write_file, bash, glob]",
    "forbidden_tools: [docker_*, database_*]",
    "",
  ].join("\n"),
  "manifests/documentation_weaver.yaml": "apprentice_type: documentation_weaver\ndescription: Writes the documentation\nrequired_tools: [read_file, write_file]\n",
  "README.md": "# fleet\n",
};

/** A khipu report, exactly as apprentices write them. */
export function missingToolReport(session: string): string {
  return [
    `Session ${session} notes.`,
    "",
    "**Apprentice**: python_patterns",
    "**Missing Tool**: `ast_parse` - Needed for: reading decorators without regular expressions",
    "",
  ].join("\n");
}

/** The three apprentices of the story, each reporting the same missing tool in its own issue. */
export const REPORTERS = ["weaver-apprentice-1", "weaver-apprentice-2", "weaver-apprentice-3"] as const;

export const STORY_LABELS = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns", "tool:ast_parse"];

/** Seeds the issue in the fake GitHub (what the webhook announces) and returns its spec. */
export function seedReport(gh: FakeGitHub, author: string, session: string, labels: string[] = []): IssueSpec {
  const spec = { title: `Missing tool: ast_parse (${session})`, body: missingToolReport(session), author, labels };
  const issue = gh.state.seedIssue({ title: spec.title, body: spec.body, user: author, labels });
  return { ...spec, number: issue.number };
}

/** The labels of an issue and the bodies of the bot's comments on it. */
export function issueView(gh: FakeGitHub, number: number): { labels: string[]; botComments: string[] } {
  const issue = gh.state.issue(number);
  return { labels: [...issue.labels].sort(), botComments: issue.comments.filter((c) => c.user.type === "Bot").map((c) => c.body) };
}

/** The dashboard issue as GitHub holds it: its body and its decoded hidden state. */
export function dashboardOf(gh: FakeGitHub): { number: number; body: string; state: DashboardState } {
  const issue = [...gh.state.issues.values()].find((i) => i.labels.includes("apprentice-tools:dashboard"));
  if (!issue) throw new Error("there is no dashboard issue");
  const json = decodeState(extractStateBlob(issue.body ?? ""));
  if (json === undefined) throw new Error("the dashboard's hidden state cannot be read");
  return { number: issue.number, body: issue.body ?? "", state: parseDashboardState(json).state };
}
