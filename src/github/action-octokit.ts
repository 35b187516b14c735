import type { Octokit } from "./check-port.js";

/**
 * The Octokit of a workflow run (`@actions/github`: proxy-aware, GitHub Enterprise aware).
 * Loaded on first need, so a run that never talks to GitHub does not pay for the HTTP stack.
 */
export async function actionOctokit(token: string, baseUrl: string): Promise<Octokit> {
  const { getOctokit } = await import("@actions/github");
  return getOctokit(token, { baseUrl });
}
