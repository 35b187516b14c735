import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readServerEnv, type ServerConfig } from "../../src/app/server-env.js";

const PEM = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const EC_PEM = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const SECRET = "s3cret-value-never-shown";
const VALID = { APP_ID: "123", PRIVATE_KEY: PEM, WEBHOOK_SECRET: SECRET };

const files: Record<string, string> = { "/keys/app.pem": PEM, "/keys/notes.txt": "hello" };
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
  return text;
};

function config(env: Record<string, string | undefined>): ServerConfig {
  const result = readServerEnv(env, readFile);
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.config;
}

function problems(env: Record<string, string | undefined>): string[] {
  const result = readServerEnv(env, readFile);
  if (result.ok) throw new Error("expected problems");
  return result.problems;
}

describe("readServerEnv", () => {
  it("reads a minimal deployment with probot's defaults", () => {
    expect(config(VALID)).toEqual({ appId: 123, privateKey: PEM.trim(), webhookSecret: SECRET, port: 3000, webhookPath: "/api/github/webhooks", logLevel: "info", logFormat: "pretty", pacing: true });
  });

  it("lets only a local stand-in for GitHub turn write pacing off", () => {
    expect(config({ ...VALID, GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http", GITHUB_WRITE_PACING: "off" }).pacing).toBe(false);
    expect(problems({ ...VALID, GITHUB_WRITE_PACING: "off" })).toEqual([expect.stringContaining("GITHUB_WRITE_PACING=off is only for a local stand-in for GitHub")]);
    expect(problems({ ...VALID, GITHUB_WRITE_PACING: "fast" })).toEqual([expect.stringContaining("GITHUB_WRITE_PACING must be on or off")]);
  });

  it.each([
    ["PEM with literal \\n (one-line .env value)", PEM.replace(/\n/g, "\\n")],
    ["base64 of the PEM", Buffer.from(PEM).toString("base64")],
    ["PEM with surrounding blank lines", `\n${PEM}\n\n`],
  ])("accepts the private key as %s", (_form, value) => {
    expect(config({ ...VALID, PRIVATE_KEY: value }).privateKey).toBe(PEM.trim());
  });

  it("reads the key from PRIVATE_KEY_PATH", () => {
    expect(config({ APP_ID: "1", PRIVATE_KEY_PATH: "/keys/app.pem", WEBHOOK_SECRET: "x" }).privateKey).toBe(PEM.trim());
  });

  it.each([
    [{ GHE_HOST: "github.example.com" }, "https://github.example.com/api/v3"],
    [{ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }, "http://127.0.0.1:8080/api/v3"],
  ])("points the API at GitHub Enterprise Server: %j", (env, baseUrl) => {
    expect(config({ ...VALID, ...env }).baseUrl).toBe(baseUrl);
  });

  it("takes PORT, HOST, LOG_LEVEL, LOG_FORMAT and WEBHOOK_PATH", () => {
    expect(config({ ...VALID, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "DEBUG", LOG_FORMAT: "json", WEBHOOK_PATH: "/hooks" })).toMatchObject({ port: 0, host: "127.0.0.1", logLevel: "debug", logFormat: "json", webhookPath: "/hooks" });
  });

  it("treats empty variables (KEY= in a .env file) as unset", () => {
    expect(config({ ...VALID, PRIVATE_KEY_PATH: "", GHE_HOST: " ", PORT: "" })).toMatchObject({ port: 3000 });
  });

  it.each([
    ["nothing at all", {}, ["APP_ID is not set", "No private key is set: download one from your GitHub App's settings", "WEBHOOK_SECRET is not set"]],
    ["a Client ID for APP_ID", { ...VALID, APP_ID: "Iv1.8a61f9b3a7aba766" }, ['APP_ID must be the numeric "App ID" from your GitHub App\'s settings (github.com → Settings → Developer settings → GitHub Apps → your app) → General (not the Client ID), not "Iv1.8a61f9b3a7aba766"']],
    ["a key that is not PEM", { ...VALID, PRIVATE_KEY: "ssh-rsa AAAA" }, ["PRIVATE_KEY is not a PEM private key: download one from your GitHub App's settings (github.com → Settings → Developer settings → GitHub Apps → your app) → Private keys → Generate a private key, and set PRIVATE_KEY_PATH to the .pem file (or PRIVATE_KEY to its contents"]],
    ["a broken PEM", { ...VALID, PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----" }, ["PRIVATE_KEY is not a readable PEM private key"]],
    ["an EC key", { ...VALID, PRIVATE_KEY: EC_PEM }, ["PRIVATE_KEY is a ec key, but GitHub App keys are RSA"]],
    ["both key variables", { ...VALID, PRIVATE_KEY_PATH: "/keys/app.pem" }, ["PRIVATE_KEY and PRIVATE_KEY_PATH are both set: keep one"]],
    ["a key path that does not exist", { APP_ID: "1", WEBHOOK_SECRET: "x", PRIVATE_KEY_PATH: "/keys/missing.pem" }, ["PRIVATE_KEY_PATH is /keys/missing.pem, which cannot be read (ENOENT)"]],
    ["a key file that is no key", { APP_ID: "1", WEBHOOK_SECRET: "x", PRIVATE_KEY_PATH: "/keys/notes.txt" }, ["PRIVATE_KEY_PATH (/keys/notes.txt) is not a PEM private key"]],
    ["a blank webhook secret", { ...VALID, WEBHOOK_SECRET: "   " }, ["WEBHOOK_SECRET is not set"]],
    ["a URL for GHE_HOST", { ...VALID, GHE_HOST: "https://github.example.com/" }, ['GHE_HOST must be the host name of your GitHub Enterprise Server, such as github.example.com (with :port if it is not the default), without https:// or a path; got "https://github.example.com/"']],
    ["GHE_PROTOCOL alone", { ...VALID, GHE_PROTOCOL: "http" }, ["GHE_PROTOCOL is set but GHE_HOST is not"]],
    ["a bad GHE_PROTOCOL", { ...VALID, GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "ftp" }, ['GHE_PROTOCOL must be https or http (default https), not "ftp"']],
    ["a PORT that is no port", { ...VALID, PORT: "80a" }, ['PORT must be a whole number from 0 to 65535 (default 3000), not "80a"']],
    ["a PORT too high", { ...VALID, PORT: "70000" }, ["PORT must be a whole number from 0 to 65535"]],
    ["an unknown LOG_LEVEL", { ...VALID, LOG_LEVEL: "verbose" }, ['LOG_LEVEL must be one of trace, debug, info, warn, error, fatal (default info), not "verbose"']],
    ["an unknown LOG_FORMAT", { ...VALID, LOG_FORMAT: "xml" }, ["LOG_FORMAT must be pretty or json"]],
    ["a WEBHOOK_PATH without /", { ...VALID, WEBHOOK_PATH: "hooks" }, ["WEBHOOK_PATH must be a path starting with /"]],
  ])("refuses %s, naming each variable and how to fix it", (_case, env, expected) => {
    const found = problems(env);
    expect(found).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(found[i]).toContain(text));
  });

  it("reports every problem at once and never shows a secret or a key", () => {
    const found = problems({ APP_ID: "x", PRIVATE_KEY: `not-a-key-${SECRET}`, WEBHOOK_SECRET: "", PORT: "-1" });
    expect(found.map((p) => p.split(" ")[0])).toEqual(["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "PORT"]);
    expect(found.join("\n")).not.toContain(SECRET);
  });
});
