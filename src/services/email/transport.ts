import { createHash } from "node:crypto";
import dns from "node:dns/promises";
import net from "node:net";
import tls from "node:tls";
import nodemailer, { type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { type EmailSettings, loginName, usesImplicitTls } from "../../domain/email-settings.js";

export interface ResolvedSecrets {
  smtpPassword: string | null;
  oauthClientSecret: string | null;
}

export type Stage = "resolve" | "connect" | "tls" | "greeting" | "auth" | "mail-from" | "rcpt" | "data";

export interface SmtpFailure {
  stage: Stage;
  smtpCode: number | null;
  response: string | null;
  message: string;
  hint: string | null;
  /** Worth retrying later (network trouble, 4xx) rather than a permanent refusal (5xx). */
  temporary: boolean;
}

/** Nodemailer options for the settings: TLS policy, trust, login, timeouts. */
export function transportOptions(
  s: EmailSettings,
  secrets: ResolvedSecrets,
  accessToken: string | null,
  pool: boolean,
): SMTPTransport.Options & {
  pool?: boolean;
  maxConnections?: number;
  rateDelta?: number;
  rateLimit?: number;
  forceAuth?: boolean;
} {
  const implicit = s.secureConnection && usesImplicitTls(s);
  const user = loginName(s);
  const auth =
    s.authMethod === "oauth2" && user && accessToken
      ? { type: "OAuth2" as const, user, accessToken }
      : user
        ? { user, pass: secrets.smtpPassword ?? "" }
        : undefined;
  return {
    host: s.smtpHost,
    port: s.smtpPort,
    secure: implicit,
    // Secure connection off: never upgrade, even when the server offers STARTTLS (nodemailer
    // upgrades opportunistically otherwise). On: TLS is required, via STARTTLS or from the start.
    ignoreTLS: !s.secureConnection,
    requireTLS: s.secureConnection && !implicit,
    tls: {
      // A custom CA is trusted in addition to the system store, never instead of it.
      ...(s.caCertificatePem && { ca: [...tls.rootCertificates, s.caCertificatePem] }),
      ...(s.tlsServername && { servername: s.tlsServername }),
      rejectUnauthorized: !s.allowInvalidCertificates,
      minVersion: "TLSv1.2",
    },
    // Credentials are never dropped silently: when they are set, log in even if the server does
    // not advertise AUTH (it then refuses, and the test or the outbox says so).
    ...(auth && { auth, forceAuth: true }),
    connectionTimeout: s.connectionTimeoutMs,
    greetingTimeout: s.greetingTimeoutMs,
    socketTimeout: s.socketTimeoutMs,
    ...(pool && {
      pool: true,
      maxConnections: 5,
      maxMessages: 500,
      ...(s.rateLimitPerMinute && { rateDelta: 60_000, rateLimit: s.rateLimitPerMinute }),
    }),
    // Dirigent logs SMTP failures itself, redacted; nodemailer's own logger stays off.
    logger: false,
    debug: false,
  };
}

/** A stable fingerprint of everything that shapes a connection, to reuse pooled transports. */
export function transportKey(s: EmailSettings, secrets: ResolvedSecrets): string {
  return createHash("sha256")
    .update(JSON.stringify([s, secrets]))
    .digest("hex");
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** OAuth2 client-credentials tokens for XOAUTH2, cached until shortly before they expire. */
export class OAuthTokens {
  private readonly cache = new Map<string, CachedToken>();
  /** Token requests under way: concurrent sends with the same settings wait for one request. */
  private readonly pending = new Map<string, Promise<string>>();

  async get(s: EmailSettings, clientSecret: string | null, now = Date.now()): Promise<string> {
    if (!s.oauthTokenUrl || !s.oauthClientId || !clientSecret) throw new Error("OAuth2 is not fully configured");
    const key = createHash("sha256")
      .update(JSON.stringify([s.oauthTokenUrl, s.oauthClientId, clientSecret, s.oauthScope]))
      .digest("hex");
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.token;
    let request = this.pending.get(key);
    if (!request) {
      request = this.request(key, s, clientSecret, now).finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    return request;
  }

  private async request(key: string, s: EmailSettings, clientSecret: string, now: number): Promise<string> {
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: s.oauthClientId ?? "",
      client_secret: clientSecret,
      ...(s.oauthScope && { scope: s.oauthScope }),
    });
    const res = await fetch(s.oauthTokenUrl ?? "", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(s.connectionTimeoutMs),
    });
    const json = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !json.access_token) {
      throw new OAuthError(
        `The token endpoint answered ${res.status}${json.error ? ` (${json.error}${json.error_description ? `: ${json.error_description}` : ""})` : ""}`,
      );
    }
    // Refresh a minute early so a token never expires in the middle of a send.
    this.cache.set(key, {
      token: json.access_token,
      expiresAt: now + Math.max(0, (json.expires_in ?? 3600) - 60) * 1000,
    });
    return json.access_token;
  }
}

export class OAuthError extends Error {
  override name = "OAuthError";
}

/** Resolves the host name first, so a typo is reported as such and not as a connection error. */
export async function resolveHost(host: string): Promise<SmtpFailure | null> {
  if (net.isIP(host.replace(/^\[|\]$/g, ""))) return null;
  try {
    await dns.lookup(host);
    return null;
  } catch (error) {
    return {
      stage: "resolve",
      smtpCode: null,
      response: null,
      message: `The host name ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? "DNS error"}).`,
      hint: "Check SMTP Host for typos; the server must be able to resolve it.",
      temporary: true,
    };
  }
}

export function createTransport(
  options: ReturnType<typeof transportOptions>,
): Transporter<SMTPTransport.SentMessageInfo> {
  return nodemailer.createTransport(options as SMTPTransport.Options);
}

interface NodemailerError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  reason?: string;
}

const tlsMessage = /certificate|self[- ]signed|SSL|TLS|wrong version number|altnames|unable to verify|CERT_|handshake/i;

/** Maps a nodemailer/socket error to the stage it failed at, with a hint for every known failure. */
export function classifySmtpError(error: unknown, s: EmailSettings): SmtpFailure {
  if (error instanceof OAuthError) {
    return {
      stage: "auth",
      smtpCode: null,
      response: null,
      message: error.message,
      hint: "Dirigent could not obtain an OAuth2 access token: check the token URL, client id, client secret and scope.",
      temporary: false,
    };
  }
  const e = (error ?? {}) as NodemailerError;
  const message = e.message ?? String(error);
  const code = e.responseCode ?? null;
  const response = e.response ?? null;
  const temporary = code === null || (code >= 400 && code < 500);
  const fail = (stage: Stage, hint: string | null): SmtpFailure => ({
    stage,
    smtpCode: code,
    response,
    message,
    hint,
    temporary,
  });
  const implicit = s.secureConnection && usesImplicitTls(s);

  if (/wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return fail(
      "tls",
      implicit
        ? `The server does not speak TLS from the start on port ${s.smtpPort}. Port 587 (and 25) use STARTTLS: set the TLS mode to STARTTLS (or Auto with port 587).`
        : "The server's TLS does not match. Check the port and TLS mode: 465 uses implicit TLS, 587 STARTTLS.",
    );
  }
  if (e.code === "EDNS" || /ENOTFOUND|EAI_AGAIN/.test(message)) {
    return fail("resolve", "Check SMTP Host for typos; the server must be able to resolve it.");
  }
  if (/ECONNREFUSED/.test(message)) {
    return fail("connect", `Nothing accepts connections at ${s.smtpHost}:${s.smtpPort}. Check the host and port.`);
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) {
    return fail("connect", "The network path to the server is blocked or missing.");
  }
  if (e.code === "ETIMEDOUT" && /greeting/i.test(message)) {
    return fail(
      "greeting",
      implicit
        ? "The connection opened but the server never greeted. Check the port."
        : `The connection opened but the server never greeted. If port ${s.smtpPort} expects TLS from the start (usually 465), set the TLS mode to Implicit TLS.`,
    );
  }
  if (e.code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return fail(
      e.command === "CONN" || /connection timeout/i.test(message)
        ? "connect"
        : (stageOfCommand(e.command) ?? "connect"),
      `No answer from ${s.smtpHost}:${s.smtpPort} in time. A firewall or your cloud provider may block the port (port 25 is often blocked; try 587 or 2525), or raise the timeouts.`,
    );
  }
  if (/altnames|does not match certificate|Hostname\/IP/i.test(message)) {
    return fail(
      "tls",
      "The server's certificate is not valid for this host name. Connect by a name the certificate carries, or set TLS server name.",
    );
  }
  if (
    /self[- ]signed|unable to verify|unable to get local issuer|UNABLE_TO_VERIFY|DEPTH_ZERO|unknown ca|certificate chain/i.test(
      message,
    )
  ) {
    return fail(
      "tls",
      "The server's certificate is not signed by a trusted authority. Paste your relay's CA certificate (PEM) into CA certificate.",
    );
  }
  if (/certificate has expired|CERT_HAS_EXPIRED/i.test(message)) {
    return fail("tls", "The server's certificate has expired. Ask the mail server's administrator to renew it.");
  }
  if (e.code === "ETLS" || (e.command === "STARTTLS" && code !== null)) {
    return fail(
      "tls",
      "The server does not offer STARTTLS on this port. Use implicit TLS (port 465), or turn off Enable Secure Connection for a relay without TLS.",
    );
  }
  if (e.code === "EAUTH" || e.command?.startsWith("AUTH")) {
    const r = `${response ?? ""} ${message}`;
    if (/5\.7\.9|application-specific password/i.test(r)) {
      return fail(
        "auth",
        "Gmail requires an app password (Google Account → Security → App passwords), not the account password.",
      );
    }
    if (/5\.7\.139|basic authentication is disabled|SmtpClientAuthentication/i.test(r)) {
      return fail(
        "auth",
        "Microsoft 365 has SMTP basic authentication disabled: use OAuth2 (client credentials) instead.",
      );
    }
    if (code === 538 || /STARTTLS first|must issue a STARTTLS/i.test(r)) {
      return fail("auth", "The server accepts credentials only over TLS: turn on Enable Secure Connection.");
    }
    if (/no supported authentication|Authentication not supported|missing credentials|credentials.*missing/i.test(r)) {
      return fail(
        "auth",
        "The server offers no login method Dirigent can use here, or requires credentials that are missing.",
      );
    }
    // A server without AUTH answers the login command as unknown (500/502 "command not
    // recognized", 503/504 "not available"): the credentials were never checked.
    if (
      (code !== null && [500, 502, 503, 504].includes(code)) ||
      /command not recognized|unrecognized command|not implemented|AUTH not (available|supported|enabled|offered)/i.test(
        r,
      )
    ) {
      return fail(
        "auth",
        "This server does not accept a login: clear SMTP Username and SMTP Password, or use port 587 with STARTTLS.",
      );
    }
    return fail("auth", "The server rejected the credentials. Check SMTP Username, SMTP Password and SMTP Domain.");
  }
  if (e.code === "ESOCKET" && tlsMessage.test(message)) {
    return fail("tls", "The TLS handshake failed. Check the port, the TLS mode and the server's certificate.");
  }
  const stage = stageOfCommand(e.command) ?? (e.code === "ESOCKET" || e.code === "ECONNECTION" ? "connect" : "data");
  if (stage === "mail-from" || /SendAsDenied|not owned by|sender address rejected/i.test(`${response ?? ""}`)) {
    return {
      ...fail(
        "mail-from",
        "The server does not allow sending from Default From Address with these credentials (Send As rights, verified sender).",
      ),
      stage: stage === "rcpt" ? "rcpt" : "mail-from",
    };
  }
  if (stage === "rcpt") return fail("rcpt", "The server refused the recipient address.");
  if (stage === "data") return fail("data", code !== null && code >= 500 ? "The server refused the message." : null);
  return fail(stage, null);
}

function stageOfCommand(command: string | undefined): Stage | null {
  if (!command) return null;
  if (command === "CONN") return "connect";
  if (command.startsWith("EHLO") || command.startsWith("HELO") || command.startsWith("LHLO")) return "greeting";
  if (command === "STARTTLS") return "tls";
  if (command.startsWith("AUTH")) return "auth";
  if (command.startsWith("MAIL")) return "mail-from";
  if (command.startsWith("RCPT")) return "rcpt";
  if (command === "DATA" || command === "BDAT" || command === "EMESSAGE") return "data";
  return null;
}
