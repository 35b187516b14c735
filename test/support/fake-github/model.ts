/** The records the fake keeps: what tests seed and assert on. */

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot" | "Organization";
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
}

export type StateReason = "completed" | "not_planned" | "reopened" | "duplicate" | null;

/** An issue, or the issue half of a pull request (`pullRequest: true`). */
export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: StateReason;
  /** Names, spelled as the repository label is. */
  labels: string[];
  assignees: string[];
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: FakeComment[];
  locked: boolean;
  pullRequest: boolean;
}

export interface FakePull {
  number: number;
  head: string;
  base: string;
  /** Last known tips; refreshed from the branches while the PR is open. */
  headSha: string;
  baseSha: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: FakeUser | null;
}

export interface FakeStateOptions {
  owner: string;
  repo: string;
  defaultBranch?: string;
  private?: boolean;
  /** Who the token belongs to: the author of what the API creates. */
  actor?: string | Partial<FakeUser>;
  appId?: number;
  appSlug?: string;
  installationId?: number;
  clock?: () => Date;
}

export interface SeedIssue {
  /** Defaults to the next free number; set it to match a webhook payload. */
  number?: number;
  title: string;
  body?: string | null;
  labels?: string[];
  assignees?: string[];
  state?: "open" | "closed";
  stateReason?: StateReason;
  user?: string | Partial<FakeUser>;
  createdAt?: string;
  comments?: Array<string | SeedComment>;
}

export interface SeedComment {
  body: string;
  user?: string | Partial<FakeUser>;
  createdAt?: string;
}
