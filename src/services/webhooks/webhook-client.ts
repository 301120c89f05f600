import { createHmac } from "node:crypto";
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { AddressGuard } from "../../domain/address-guard.js";

/** What one POST to a webhook target came to. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  /** The first 4 KiB of the response body. */
  body: string | null;
  durationMs: number;
  reason: string | null;
}

export interface SignedRequest {
  url: string;
  event: string;
  deliveryKey: string;
  body: string;
  secret: string | null;
}

/** Kept of a response body. */
const keptBytes = 4096;
/** Read at most this much of a response before the connection is cut (a huge or endless answer). */
const readLimitBytes = 64 * 1024;

/** `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the subscription's secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

class RefusedAddressError extends Error {
  readonly code = "EREFUSEDADDRESS";
}

/**
 * Posts webhook bodies. Every connection goes through `lookup`, which resolves the host name and
 * hands the socket only addresses the guard allows, so the address checked is the address
 * connected to (no second resolution between check and connect). Literal addresses in the URL are
 * checked before the request. Redirects are never followed (they are recorded as failures), the
 * whole exchange has a time limit, and only the first 4 KiB of an answer is kept.
 */
export class WebhookClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly guard: () => AddressGuard,
    private readonly timeoutMs = 10_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Whether `url`'s host is a literal address the guard refuses (the reason), else null. */
  refusedLiteral(url: URL): string | null {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) === 0) return null;
    const why = this.guard().check(host);
    return why && `${host} is ${why}, which webhooks may not reach unless the allow-list names it.`;
  }

  async post(request: SignedRequest): Promise<AttemptResult> {
    const started = performance.now();
    const done = (r: Omit<AttemptResult, "durationMs">): AttemptResult => ({
      ...r,
      durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return done({ ok: false, statusCode: null, body: null, reason: "The URL is not valid." });
    }
    const refused = this.refusedLiteral(url);
    if (refused) return done({ ok: false, statusCode: null, body: null, reason: `Refused: ${refused}` });
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "Dirigent-Webhooks/1",
      "x-dirigent-event": request.event,
      "x-dirigent-delivery": request.deliveryKey,
      "x-dirigent-timestamp": timestamp,
    };
    if (request.secret) headers["x-dirigent-signature"] = signature(request.secret, timestamp, request.body);
    const secure = url.protocol === "https:";
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (r: Omit<AttemptResult, "durationMs">) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(done(r));
      };
      const req = (secure ? https : http).request(url, {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(request.body)) },
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup(url.hostname),
      });
      // A kept-alive socket's address was checked when it connected; the allow-list may have
      // changed since, so every delivery checks the address it is about to be sent to.
      req.on("socket", (socket) => {
        if (socket.connecting || !socket.remoteAddress) return;
        const why = this.guard().check(socket.remoteAddress, url.hostname);
        if (why)
          req.destroy(
            new RefusedAddressError(
              `${url.hostname} is connected to ${socket.remoteAddress}, ${why}, which webhooks may not reach unless the allow-list names it.`,
            ),
          );
      });
      const timer = setTimeout(() => {
        finish({
          ok: false,
          statusCode: null,
          body: null,
          reason: `No complete answer within ${this.timeoutMs / 1000} s.`,
        });
        req.destroy();
      }, this.timeoutMs);
      req.on("error", (error: NodeJS.ErrnoException) => {
        const reason =
          error instanceof RefusedAddressError
            ? `Refused: ${error.message}`
            : `${error.code ? `${error.code}: ` : ""}${error.message}`;
        finish({ ok: false, statusCode: null, body: null, reason: reason.slice(0, 1000) });
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let read = 0;
        let cut = false;
        const result = () => {
          const code = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString("utf8").replace(/\0/g, "\uFFFD");
          const redirect = code >= 300 && code < 400;
          const ok = code >= 200 && code < 300;
          let reason: string | null = null;
          if (redirect)
            reason = `Redirect to ${String(res.headers.location ?? "(no location)").slice(0, 500)} not followed.`;
          else if (!ok) reason = `The target answered ${code}.`;
          if (cut)
            reason = `${reason ? `${reason} ` : ""}The answer was longer than ${readLimitBytes / 1024} KiB and was cut.`;
          return { ok, statusCode: code, body, reason };
        };
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (kept < keptBytes) {
            const part = chunk.subarray(0, keptBytes - kept);
            chunks.push(part);
            kept += part.length;
          }
          if (read > readLimitBytes && !cut) {
            cut = true;
            finish(result());
            res.destroy();
          }
        });
        res.on("end", () => finish(result()));
        res.on("error", (error) => finish({ ...result(), ok: false, reason: error.message }));
      });
      req.end(request.body);
    });
  }

  /** A `lookup` for one request: resolves, keeps the addresses the guard allows, refuses if none is left. */
  private lookup(hostname: string): LookupFunction {
    const guard = this.guard();
    return (host, options, callback) => {
      dns.lookup(host, { ...options, all: true }, (error, addresses) => {
        if (error) return (callback as (e: Error) => void)(error);
        const list = addresses as dns.LookupAddress[];
        const allowed = list.filter((a) => guard.check(a.address, hostname) === null);
        if (allowed.length === 0) {
          const first = list[0];
          const why = first ? `${first.address}, ${guard.check(first.address, hostname)}` : "no address";
          return (callback as (e: Error) => void)(
            new RefusedAddressError(
              `${host} resolves to ${why}, which webhooks may not reach unless the allow-list names it.`,
            ),
          );
        }
        if (options.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
        const a = allowed[0] as dns.LookupAddress;
        (callback as (e: null, a: string, f: number) => void)(null, a.address, a.family);
      });
    };
  }
}
