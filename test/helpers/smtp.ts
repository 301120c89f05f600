import net from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { generate } from "selfsigned";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** A CA and a server certificate for localhost/127.0.0.1 signed by it (made once per process). */
export interface TestCertificates {
  caCert: string;
  serverKey: string;
  serverCert: string;
}

let certificates: Promise<TestCertificates> | undefined;

export function testCertificates(): Promise<TestCertificates> {
  certificates ??= (async () => {
    const ca = await generate([{ name: "commonName", value: "Dirigent Test CA" }], {
      keySize: 2048,
      algorithm: "sha256",
      days: 30,
      extensions: [
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      ],
    } as Parameters<typeof generate>[1]);
    const server = await generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
      algorithm: "sha256",
      days: 30,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
          ],
        },
        { name: "extKeyUsage", serverAuth: true },
      ],
    } as Parameters<typeof generate>[1]);
    return { caCert: ca.cert, serverKey: server.private, serverCert: server.cert };
  })();
  return certificates;
}

export interface ReceivedMail {
  envelope: { from: string | false; to: string[] };
  authUser: string | undefined;
  /** Whether the message came over TLS (implicit or after STARTTLS). */
  secure: boolean;
  parsed: ParsedMail;
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  messages: ReceivedMail[];
  /** Errors the server reported (failed TLS handshakes, dropped connections). */
  errors: Error[];
  /** Resolves when at least `count` messages arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Resolves with the first message that matches (rejects after `timeoutMs`). */
  waitForMail(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Messages whose envelope goes to `address`. */
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** `none`: no TLS at all; `starttls`: offers STARTTLS; `implicit`: TLS from the first byte. */
  tls?: "none" | "starttls" | "implicit";
  /** Require AUTH with this user and password (PLAIN/LOGIN), or XOAUTH2 with this access token. */
  auth?: { user: string; pass?: string; accessToken?: string };
  /** Answer `451` to the first N messages, then accept. */
  failFirst?: number;
  /** Answer every message with this permanent reply, e.g. `550 Mailbox unavailable`. */
  rejectAll?: { code: number; message: string };
  port?: number;
}

/** A real SMTP server on 127.0.0.1 that parses what it receives with mailparser. */
export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const tls = options.tls ?? "none";
  const certs = tls === "none" ? null : await testCertificates();
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let failuresLeft = options.failFirst ?? 0;
  const serverOptions: SMTPServerOptions = {
    secure: tls === "implicit",
    ...(certs && { key: certs.serverKey, cert: certs.serverCert }),
    disabledCommands: [...(tls === "none" ? ["STARTTLS"] : []), ...(options.auth ? [] : ["AUTH"])],
    authOptional: !options.auth,
    allowInsecureAuth: tls === "none",
    authMethods: ["PLAIN", "LOGIN", "XOAUTH2"],
    logger: false,
    // Pooled client connections (the mailer keeps some open) must not hold close() for 30 s.
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      const ok =
        expected &&
        auth.username === expected.user &&
        (auth.method === "XOAUTH2" ? auth.accessToken === expected.accessToken : auth.password === expected.pass);
      if (!ok) {
        const error = new Error("Invalid username or password") as Error & { responseCode: number };
        error.responseCode = 535;
        return callback(error);
      }
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (options.rejectAll) {
          const error = new Error(options.rejectAll.message) as Error & { responseCode: number };
          error.responseCode = options.rejectAll.code;
          return callback(error);
        }
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          const error = new Error("Temporary local problem, try again later") as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        void simpleParser(raw).then((parsed) => {
          messages.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            authUser: session.user as string | undefined,
            secure: Boolean(session.secure),
            parsed,
            raw,
          });
          for (const w of waiters) w();
          callback();
        }, callback);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  // Failed TLS handshakes and dropped clients are what many tests provoke: record, never crash.
  const errors: Error[] = [];
  server.on("error", (error) => errors.push(error));
  const address = server.server.address() as net.AddressInfo;
  return {
    port: address.port,
    messages,
    errors,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(messages);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    waitForMail(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms (got ${messages.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    to: (address) => messages.filter((m) => m.envelope.to.some((t) => t.toLowerCase() === address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts connections and never says a word (greeting timeouts). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
