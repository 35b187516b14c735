import type { Links } from "./router.js";
import type { FakeComment, FakeGitHubState, FakeIssue, FakeLabel, FakePull, FakeUser } from "./state.js";
import type { FakeCommit } from "./git-store.js";

/** The JSON GitHub answers, with the fields Octokit, probot and our code read. */

const nodeId = (kind: string, id: number | string): string => Buffer.from(`${kind}:${id}`).toString("base64");

export function userJson(links: Links, user: FakeUser): Record<string, unknown> {
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId("User", user.id),
    type: user.type,
    site_admin: false,
    avatar_url: `${links.html}/avatars/${encodeURIComponent(user.login)}`,
    url: `${links.api}/users/${encodeURIComponent(user.login)}`,
    html_url: `${links.html}/${encodeURIComponent(user.login)}`,
  };
}

export function labelJson(links: Links, label: FakeLabel): Record<string, unknown> {
  return {
    id: label.id,
    node_id: nodeId("Label", label.id),
    url: `${links.repoApi}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    description: label.description,
    default: label.default,
  };
}

export function issueLabelsJson(links: Links, state: FakeGitHubState, issue: FakeIssue): Array<Record<string, unknown>> {
  return issue.labels.flatMap((name) => {
    const label = state.labels.get(name.toLowerCase());
    return label ? [labelJson(links, label)] : [];
  });
}

export function issueJson(links: Links, state: FakeGitHubState, issue: FakeIssue): Record<string, unknown> {
  const url = `${links.repoApi}/issues/${issue.number}`;
  const pull = state.pulls.get(issue.number);
  return {
    id: issue.id,
    node_id: nodeId("Issue", issue.id),
    number: issue.number,
    url,
    repository_url: links.repoApi,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${links.repoHtml}/${issue.pullRequest ? "pull" : "issues"}/${issue.number}`,
    title: issue.title,
    body: issue.body,
    user: userJson(links, issue.user),
    labels: issueLabelsJson(links, state, issue),
    state: issue.state,
    state_reason: issue.stateReason,
    locked: issue.locked,
    assignee: issue.assignees[0] === undefined ? null : userJson(links, state.user(issue.assignees[0])),
    assignees: issue.assignees.map((login) => userJson(links, state.user(login))),
    milestone: null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: issue.user.login === state.owner ? "OWNER" : "NONE",
    reactions: { url: `${url}/reactions`, total_count: 0 },
    ...(issue.pullRequest
      ? {
          draft: pull?.draft ?? false,
          pull_request: {
            url: `${links.repoApi}/pulls/${issue.number}`,
            html_url: `${links.repoHtml}/pull/${issue.number}`,
            diff_url: `${links.repoHtml}/pull/${issue.number}.diff`,
            patch_url: `${links.repoHtml}/pull/${issue.number}.patch`,
            merged_at: pull?.mergedAt ?? null,
          },
        }
      : {}),
  };
}

export function commentJson(links: Links, state: FakeGitHubState, comment: FakeComment): Record<string, unknown> {
  return {
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    url: `${links.repoApi}/issues/comments/${comment.id}`,
    html_url: `${links.repoHtml}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${links.repoApi}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(links, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.user.login === state.owner ? "OWNER" : "NONE",
    reactions: { url: `${links.repoApi}/issues/comments/${comment.id}/reactions`, total_count: 0 },
  };
}

export function repoJson(links: Links, state: FakeGitHubState): Record<string, unknown> {
  return {
    id: state.repoId,
    node_id: nodeId("Repository", state.repoId),
    name: state.repo,
    full_name: `${state.owner}/${state.repo}`,
    owner: userJson(links, state.user({ login: state.owner, type: "Organization" })),
    private: state.private,
    visibility: state.private ? "private" : "public",
    html_url: links.repoHtml,
    url: links.repoApi,
    clone_url: `${links.repoHtml}.git`,
    description: null,
    fork: false,
    archived: false,
    disabled: false,
    is_template: false,
    default_branch: state.defaultBranch,
    has_issues: true,
    open_issues_count: [...state.issues.values()].filter((i) => i.state === "open").length,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    created_at: "2024-01-01T00:00:00Z",
    updated_at: state.now(),
    pushed_at: state.now(),
  };
}

export function commitJson(links: Links, commit: FakeCommit): Record<string, unknown> {
  const person = { name: "fake-github", email: "fake-github@example.invalid", date: commit.date };
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    url: `${links.repoApi}/git/commits/${commit.sha}`,
    html_url: `${links.repoHtml}/commit/${commit.sha}`,
    message: commit.message,
    author: person,
    committer: person,
    tree: { sha: commit.tree, url: `${links.repoApi}/git/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({ sha, url: `${links.repoApi}/git/commits/${sha}`, html_url: `${links.repoHtml}/commit/${sha}` })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null },
  };
}

export function refJson(links: Links, ref: string, sha: string): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId("Ref", ref),
    url: `${links.repoApi}/git/${ref}`,
    object: { sha, type: "commit", url: `${links.repoApi}/git/commits/${sha}` },
  };
}

function branchEnd(links: Links, state: FakeGitHubState, branch: string, sha: string): Record<string, unknown> {
  return {
    label: `${state.owner}:${branch}`,
    ref: branch,
    sha,
    user: userJson(links, state.user({ login: state.owner, type: "Organization" })),
    repo: repoJson(links, state),
  };
}

export function pullJson(links: Links, state: FakeGitHubState, pull: FakePull, issue: FakeIssue): Record<string, unknown> {
  const url = `${links.repoApi}/pulls/${pull.number}`;
  const base = issueJson(links, state, issue);
  return {
    url,
    id: issue.id,
    node_id: nodeId("PullRequest", issue.id),
    number: pull.number,
    html_url: `${links.repoHtml}/pull/${pull.number}`,
    diff_url: `${links.repoHtml}/pull/${pull.number}.diff`,
    patch_url: `${links.repoHtml}/pull/${pull.number}.patch`,
    issue_url: `${links.repoApi}/issues/${pull.number}`,
    commits_url: `${url}/commits`,
    comments_url: `${links.repoApi}/issues/${pull.number}/comments`,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    body: issue.body,
    user: base["user"],
    labels: base["labels"],
    assignee: base["assignee"],
    assignees: base["assignees"],
    requested_reviewers: [],
    requested_teams: [],
    milestone: null,
    draft: pull.draft,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    merged: pull.merged,
    merged_by: pull.mergedBy === null ? null : userJson(links, pull.mergedBy),
    mergeable: pull.merged ? null : true,
    mergeable_state: pull.merged ? "unknown" : "clean",
    maintainer_can_modify: false,
    head: branchEnd(links, state, pull.head, pull.headSha),
    base: branchEnd(links, state, pull.base, pull.baseSha),
    author_association: base["author_association"],
    auto_merge: null,
    comments: issue.comments.length,
  };
}

export function installationJson(links: Links, state: FakeGitHubState): Record<string, unknown> {
  return {
    id: state.installationId,
    app_id: state.appId,
    app_slug: state.appSlug,
    target_type: "Organization",
    target_id: stateOwnerId(state),
    account: userJson(links, state.user({ login: state.owner, type: "Organization" })),
    repository_selection: "selected",
    access_tokens_url: `${links.api}/app/installations/${state.installationId}/access_tokens`,
    repositories_url: `${links.api}/installation/repositories`,
    html_url: `${links.html}/organizations/${state.owner}/settings/installations/${state.installationId}`,
    permissions: APP_PERMISSIONS,
    events: ["issues", "issue_comment", "pull_request"],
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    suspended_at: null,
  };
}

export const APP_PERMISSIONS = { issues: "write", pull_requests: "write", contents: "write", metadata: "read" } as const;

function stateOwnerId(state: FakeGitHubState): number {
  return state.user({ login: state.owner, type: "Organization" }).id;
}
