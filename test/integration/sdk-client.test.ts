import http from "node:http";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DirigentApiError, DirigentClient } from "../../src/sdk/client.js";
import { queue } from "../../src/sdk/queues.js";

/** A loopback server that answers from a script of responses, recording the requests. */
async function scripted(responses: { status: number; body?: unknown }[]) {
  const requests: { method: string; url: string; auth: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization ?? "", body });
      const next = responses.shift() ?? { status: 500 };
      res.writeHead(next.status, { "content-type": "application/json" });
      res.end(next.body === undefined ? "" : JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("the SDK's HTTP client", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it("retries 502/503/504 with backoff, sends the job token, and returns the answer", async () => {
    const server = await scripted([
      { status: 503 },
      { status: 502 },
      { status: 200, body: { id: 7, specificContent: {} } },
    ]);
    closers.push(server.close);
    const client = new DirigentClient({ url: server.url, token: "dgj_test", backoffMs: 5 });
    const item = await queue("Invoices", client).startTransaction();
    expect(item?.id).toBe(7);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      url: "/api/v1/job/queues/Invoices/transactions",
      auth: "Bearer dgj_test",
    });
  });

  it("returns null on 204, throws DirigentApiError with the problem on 4xx without retrying", async () => {
    const server = await scripted([
      { status: 204 },
      { status: 409, body: { type: "duplicate-reference", title: "Conflict", detail: "taken" } },
    ]);
    closers.push(server.close);
    const client = new DirigentClient({ url: server.url, token: "dgj_test", backoffMs: 5 });
    expect(await queue("Q", client).startTransaction()).toBeNull();
    const error = await queue("Q", client)
      .add({ a: 1 }, { reference: "r" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirigentApiError);
    expect(error).toMatchObject({ status: 409, problem: { type: "duplicate-reference" } });
    expect(server.requests).toHaveLength(2);
  });

  it("retries a refused connection until the server is there, and gives up after its attempts", async () => {
    const refused = new DirigentClient({ url: "http://127.0.0.1:9", token: "dgj_test", attempts: 3, backoffMs: 5 });
    const started = Date.now();
    await expect(refused.request("GET", "/job")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
