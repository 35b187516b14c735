import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, type ApplicationFunction } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createAppMiddleware } from "../../src/app/middleware.js";

const SECRET = "middleware-secret";
const KEY = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

let server: Server | undefined;

afterEach(async () => {
  if (server) await new Promise<void>((done) => server?.close(() => done()));
  server = undefined;
});

/** The middleware on a real port, as a serverless host or an Express app would mount it. */
async function mount(app: ApplicationFunction, webhooksPath?: string): Promise<{ url: string; handled: boolean[] }> {
  const probot = new Probot({ appId: 1, privateKey: KEY, secret: SECRET, logLevel: "fatal" });
  const handle = await createAppMiddleware({ probot, app, ...(webhooksPath ? { webhooksPath } : {}) });
  const handled: boolean[] = [];
  server = createServer((req, res) => {
    void handle(req, res, () => res.writeHead(404, { "x-from": "next" }).end()).then((answered) => handled.push(answered));
  });
  await new Promise<void>((done) => server?.listen(0, "127.0.0.1", () => done()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handled };
}

function signedPost(url: string, payload: unknown, secret = SECRET): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": "d-1", "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` },
    body,
  });
}

const payload = { action: "opened", issue: { number: 7 }, repository: { name: "fleet", owner: { login: "mallku" } } };

describe("createAppMiddleware", () => {
  it("answers /health with 200 {status: ok} (GET and HEAD)", async () => {
    const { url } = await mount(() => undefined);
    const get = await fetch(`${url}/health`);
    expect([get.status, get.headers.get("content-type"), await get.json()]).toEqual([200, "application/json", { status: "ok" }]);
    const head = await fetch(`${url}/health`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  it("hands a signed webhook to the app's handlers and answers 200 once they finish", async () => {
    const seen: number[] = [];
    const { url } = await mount((app) => {
      app.on("issues.opened", async (context) => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(context.payload.issue.number);
      });
    });
    const res = await signedPost(`${url}/api/github/webhooks`, payload);
    expect(res.status).toBe(200);
    expect(seen).toEqual([7]);
  });

  it("refuses a webhook signed with another secret (400) without running a handler", async () => {
    const seen: number[] = [];
    const { url } = await mount((app) => app.on("issues.opened", async (c) => void seen.push(c.payload.issue.number)));
    const res = await signedPost(`${url}/api/github/webhooks`, payload, "another-secret");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("signature does not match");
    expect(seen).toEqual([]);
  });

  it("answers 500 when a handler fails, so the delivery shows as failed and can be redelivered", async () => {
    const { url } = await mount((app) =>
      app.on("issues.opened", async () => {
        throw new Error("GitHub is down");
      }),
    );
    const res = await signedPost(`${url}/api/github/webhooks`, payload);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("GitHub is down");
  });

  it("passes other paths to next (and says it did not answer)", async () => {
    const { url, handled } = await mount(() => undefined);
    const res = await fetch(`${url}/elsewhere`);
    expect([res.status, res.headers.get("x-from")]).toEqual([404, "next"]);
    expect(handled).toEqual([false]);
  });

  it("serves webhooks on a custom path", async () => {
    const seen: number[] = [];
    const { url } = await mount((app) => app.on("issues.opened", async (c) => void seen.push(c.payload.issue.number)), "/hooks/github");
    expect((await signedPost(`${url}/hooks/github`, payload)).status).toBe(200);
    expect((await signedPost(`${url}/api/github/webhooks`, payload)).status).toBe(404);
    expect(seen).toEqual([7]);
  });
});
