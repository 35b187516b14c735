import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

/** What the app server needs, parsed from the environment. */
export interface ServerConfig {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** The REST API root; undefined = https://api.github.com. */
  baseUrl?: string;
  port: number;
  /** undefined = every interface (what a container behind a load balancer needs). */
  host?: string;
  webhookPath: string;
  logLevel: LogLevel;
  logFormat: "pretty" | "json";
  /**
   * Space writes to GitHub as its best practices ask (probot's throttling). Only a local
   * stand-in for GitHub (tests) may turn it off, with GITHUB_WRITE_PACING=off.
   */
  pacing: boolean;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PORT = 3000;
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

const SETTINGS = "your GitHub App's settings (github.com → Settings → Developer settings → GitHub Apps → your app)";
const KEY_HELP = `download one from ${SETTINGS} → Private keys → Generate a private key, and set PRIVATE_KEY_PATH to the .pem file (or PRIVATE_KEY to its contents: with line breaks, with \\n, or base64-encoded)`;

/** An unset variable and an empty one (`APP_ID=` in a .env file) mean the same. */
const optional = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().optional());

const shown = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** The PEM text of a key given as PEM, as PEM with literal `\n`, or as base64 of PEM. */
function pemOf(raw: string): string {
  const text = raw.trim();
  if (text.includes("-----BEGIN")) return text.replace(/\\n/g, "\n").trim();
  const decoded = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, "base64").toString("utf8") : "";
  return decoded.includes("-----BEGIN") ? decoded.trim() : text;
}

/** Why `pem` is not a GitHub App key, or undefined when it is one. */
function keyProblem(pem: string, what: string): string | undefined {
  if (!pem.includes("-----BEGIN")) return `${what} is not a PEM private key: ${KEY_HELP}.`;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") return `${what} is a ${key.asymmetricKeyType ?? "non-RSA"} key, but GitHub App keys are RSA: ${KEY_HELP}.`;
    return undefined;
  } catch (error) {
    return `${what} is not a readable PEM private key (${(error as Error).message}): ${KEY_HELP}.`;
  }
}

function envSchema(readFile: (path: string) => string) {
  return z
    .object({
      APP_ID: optional,
      PRIVATE_KEY: optional,
      PRIVATE_KEY_PATH: optional,
      WEBHOOK_SECRET: z.string().optional(),
      WEBHOOK_PATH: optional,
      GHE_HOST: optional,
      GHE_PROTOCOL: optional,
      PORT: optional,
      HOST: optional,
      LOG_LEVEL: optional,
      LOG_FORMAT: optional,
      GITHUB_WRITE_PACING: optional,
    })
    .transform((env, ctx): ServerConfig => {
      const problem = (message: string) => ctx.addIssue({ code: "custom", message });

      let appId = 0;
      if (env.APP_ID === undefined) problem(`APP_ID is not set: it is the number shown as "App ID" at the top of ${SETTINGS} → General.`);
      else if (!/^\d+$/.test(env.APP_ID.trim()) || Number(env.APP_ID) < 1) problem(`APP_ID must be the numeric "App ID" from ${SETTINGS} → General (not the Client ID), not ${shown(env.APP_ID)}.`);
      else appId = Number(env.APP_ID);

      let privateKey = "";
      if (env.PRIVATE_KEY !== undefined && env.PRIVATE_KEY_PATH !== undefined) {
        problem("PRIVATE_KEY and PRIVATE_KEY_PATH are both set: keep one of them (PRIVATE_KEY_PATH, pointing at the .pem file, is the simpler).");
      } else if (env.PRIVATE_KEY !== undefined) {
        privateKey = pemOf(env.PRIVATE_KEY);
        const why = keyProblem(privateKey, "PRIVATE_KEY");
        if (why) problem(why);
      } else if (env.PRIVATE_KEY_PATH !== undefined) {
        const path = env.PRIVATE_KEY_PATH.trim();
        try {
          privateKey = pemOf(readFile(path));
          const why = keyProblem(privateKey, `PRIVATE_KEY_PATH (${path})`);
          if (why) problem(why);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          problem(`PRIVATE_KEY_PATH is ${path}, which cannot be read (${code}): check the path (relative paths start at ${process.cwd()}), or ${KEY_HELP}.`);
        }
      } else {
        problem(`No private key is set: ${KEY_HELP}.`);
      }

      // A secret of spaces is as good as none; only emptiness is refused, its value is never shown.
      const webhookSecret = env.WEBHOOK_SECRET ?? "";
      if (webhookSecret.trim() === "") {
        problem(`WEBHOOK_SECRET is not set: set it to the "Webhook secret" entered in ${SETTINGS} → General (for a new one, run \`openssl rand -hex 32\` and enter the result in both places). Without it the app could not tell GitHub's events from forged ones.`);
      }

      let baseUrl: string | undefined;
      const protocol = (env.GHE_PROTOCOL ?? "https").trim().toLowerCase();
      if (protocol !== "https" && protocol !== "http") problem(`GHE_PROTOCOL must be https or http (default https), not ${shown(env.GHE_PROTOCOL ?? "")}.`);
      if (env.GHE_HOST !== undefined) {
        const host = env.GHE_HOST.trim();
        if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
          problem(`GHE_HOST must be the host name of your GitHub Enterprise Server, such as github.example.com (with :port if it is not the default), without https:// or a path; got ${shown(host)}. Put the protocol in GHE_PROTOCOL.`);
        } else baseUrl = `${protocol}://${host}/api/v3`;
      } else if (env.GHE_PROTOCOL !== undefined) {
        problem("GHE_PROTOCOL is set but GHE_HOST is not: set GHE_HOST to your GitHub Enterprise Server's host name, or unset GHE_PROTOCOL for github.com.");
      }

      let port = DEFAULT_PORT;
      if (env.PORT !== undefined) {
        if (/^\d{1,5}$/.test(env.PORT.trim()) && Number(env.PORT) <= 65_535) port = Number(env.PORT);
        else problem(`PORT must be a whole number from 0 to 65535 (default ${DEFAULT_PORT}), not ${shown(env.PORT)}.`);
      }

      const logLevel = (env.LOG_LEVEL ?? "info").trim().toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problem(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (default info), not ${shown(env.LOG_LEVEL ?? "")}.`);
      const logFormat = (env.LOG_FORMAT ?? "pretty").trim().toLowerCase();
      if (logFormat !== "pretty" && logFormat !== "json") problem(`LOG_FORMAT must be pretty or json (default pretty), not ${shown(env.LOG_FORMAT ?? "")}.`);

      const webhookPath = env.WEBHOOK_PATH?.trim() ?? DEFAULT_WEBHOOK_PATH;
      if (!webhookPath.startsWith("/")) problem(`WEBHOOK_PATH must be a path starting with / (default ${DEFAULT_WEBHOOK_PATH}), matching the path of the "Webhook URL" in ${SETTINGS}; got ${shown(webhookPath)}.`);

      const pacingSetting = (env.GITHUB_WRITE_PACING ?? "on").trim().toLowerCase();
      if (pacingSetting !== "on" && pacingSetting !== "off") problem(`GITHUB_WRITE_PACING must be on or off (default on), not ${shown(env.GITHUB_WRITE_PACING ?? "")}.`);
      else if (pacingSetting === "off" && !baseUrl) problem("GITHUB_WRITE_PACING=off is only for a local stand-in for GitHub (with GHE_HOST set to it): github.com's secondary rate limits require paced writes. Unset it.");
      const config: ServerConfig = { appId, privateKey, webhookSecret, port, webhookPath, logLevel: logLevel as LogLevel, logFormat: logFormat as "pretty" | "json", pacing: pacingSetting !== "off" };
      if (baseUrl) config.baseUrl = baseUrl;
      if (env.HOST !== undefined) config.host = env.HOST.trim();
      return config;
    });
}

export type ServerEnvResult = { ok: true; config: ServerConfig } | { ok: false; problems: string[] };

/**
 * Reads and checks the server's environment: every problem at once, each naming the
 * variable and how to get a right value, never echoing a secret.
 */
export function readServerEnv(env: Record<string, string | undefined>, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): ServerEnvResult {
  const parsed = envSchema(readFile).safeParse(env);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
}
