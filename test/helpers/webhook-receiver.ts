import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { event: string; id: string; [key: string]: unknown };
  /** Whether X-Dirigent-Signature matched the receiver's secret (null: no secret to check). */
  signatureValid: boolean | null;
}

export type ReceiverMode =
  | { kind: "ok" }
  | { kind: "down"; status?: number }
  | { kind: "slow"; delayMs: number }
  | { kind: "redirect"; location: string }
  | { kind: "huge"; bytes: number };

/**
 * A real HTTP webhook receiver on 127.0.0.1: records every request, checks the signature the
 * way docs/monitoring-and-webhooks.md tells receivers to, and can be switched to answer 503
 * (an outage), slowly, with a redirect or with a huge body.
 */
export async function startReceiver(secret: string | null = null) {
  const received: ReceivedHook[] = [];
  let connections = 0;
  let requests = 0;
  let mode: ReceiverMode = { kind: "ok" };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests += 1;
      const raw = Buffer.concat(chunks).toString("utf8");
      const m = mode;
      if (m.kind === "down") {
        res.writeHead(m.status ?? 503).end("down for maintenance");
        return;
      }
      if (m.kind === "redirect") {
        res.writeHead(302, { location: m.location }).end();
        return;
      }
      if (m.kind === "huge") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("x".repeat(m.bytes));
        received.push(record(req.headers, raw));
        return;
      }
      const answer = () => {
        received.push(record(req.headers, raw));
        res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
      };
      if (m.kind === "slow") setTimeout(answer, m.delayMs);
      else answer();
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  const record = (headers: http.IncomingHttpHeaders, raw: string): ReceivedHook => {
    let signatureValid: boolean | null = null;
    if (secret) {
      const ts = String(headers["x-dirigent-timestamp"]);
      const expected = `sha256=${createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex")}`;
      const got = String(headers["x-dirigent-signature"] ?? "");
      signatureValid = got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
    }
    return { headers, raw, body: JSON.parse(raw), signatureValid };
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    setMode(next: ReceiverMode) {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
