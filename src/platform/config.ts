import path from "node:path";
import { z } from "zod";

/**
 * Every setting Dirigent reads from its environment, declared once. Nothing else in the code
 * reads `process.env`: the CLI parses this schema at start-up, reports every problem at once,
 * freezes the result and passes it down. Runtime settings (SMTP, maintenance, password policy)
 * live in the database, not here.
 */
const envSchema = z.object({
  /** TCP port of the HTTP server (API, UI, robot connections). */
  DIRIGENT_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Interface to listen on. Loopback by default: listening beyond it is an explicit choice. */
  DIRIGENT_HOST: z.string().min(1).default("127.0.0.1"),
  /** Folder for the SQLite database, the master key and other local state. */
  DIRIGENT_DATA_DIR: z.string().min(1).default("./data"),
  /** PostgreSQL connection string; when absent Dirigent uses SQLite in the data folder. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional(),
  /** Base URL of this installation as users reach it; used for links in e-mails. */
  DIRIGENT_PUBLIC_URL: z.url().optional(),
  /** Password of the first system administrator `admin`; generated and printed once when absent. */
  DIRIGENT_ADMIN_PASSWORD: z.string().min(1).optional(),
  /** Log level of the application log. */
  DIRIGENT_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Lifetime of bearer tokens from POST /api/v1/auth/token, in seconds. */
  DIRIGENT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(3600),
  /** Lifetime of an idle UI session, in seconds. */
  DIRIGENT_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(43_200),
  /** Login and token requests allowed per client address and account per minute. */
  DIRIGENT_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Set the `Secure` flag on the session cookie (turn on behind HTTPS). Default: when the public URL is https. */
  DIRIGENT_SECURE_COOKIES: z.enum(["true", "false"]).optional(),
  /** Master key (32 bytes, base64) for secrets at rest; default: generated into <data dir>/master.key. Set it on every node of a PostgreSQL cluster. */
  DIRIGENT_MASTER_KEY: z.string().min(1).optional(),
  /** Earlier master keys (comma-separated) that still decrypt, during a key rotation. */
  DIRIGENT_MASTER_KEY_PREVIOUS: z.string().min(1).optional(),
  /** Which background services this node runs (comma-separated): `mail`, `sweepers`, `scheduler` (time triggers), `webhooks`, or `all`. */
  DIRIGENT_SERVICES: z.string().default("all"),
  /** How often the mailer polls the outbox, in milliseconds (new mail also wakes it at once). */
  DIRIGENT_MAIL_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  DIRIGENT_DISPATCH_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  /** How often the trigger scheduler looks for fire times planned on other nodes, in milliseconds (it sleeps until the next known one otherwise). */
  DIRIGENT_SCHEDULER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** A job pending longer than this many seconds raises a warning alert naming what it waits for. */
  DIRIGENT_JOB_PENDING_ALERT_SECONDS: z.coerce.number().int().min(1).max(2_592_000).default(900),
  /** How long a sender holds claimed e-mails before another sender may take them over (a crashed node), in seconds. */
  /** Webhook targets otherwise refused (loopback, private, link-local, …): host names, addresses or CIDR ranges, comma-separated. */
  DIRIGENT_WEBHOOK_ALLOWED_HOSTS: z.string().default(""),
  /** How often the webhook sender looks for deliveries when nothing woke it, in milliseconds. */
  DIRIGENT_WEBHOOK_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
  /** How long a sender holds a subscription before another node may take it over (a crashed node), in seconds. */
  DIRIGENT_WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
  DIRIGENT_MAIL_LEASE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  /** Seconds between robot heartbeats (robots are unresponsive after 120 s without one). */
  DIRIGENT_ROBOT_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(60).default(30),
  /** Trust X-Forwarded-* headers from a reverse proxy (for client IPs in the audit log). */
  DIRIGENT_TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  /** PostgreSQL: longest a statement may run or wait for its answer before it fails (and the request answers 503), in milliseconds. */
  DIRIGENT_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** PostgreSQL: longest a request waits for a connection (opening one, or a free one in the pool), in milliseconds. */
  DIRIGENT_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Longest a node trusts what it cached about a token, a user's permissions, an organization or maintenance, in seconds (writes forget it at once on every node; 0 turns the cache off). */
  DIRIGENT_AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /** PostgreSQL: connections per node. */
  DIRIGENT_DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** PostgreSQL: run repeated statements as prepared statements (turn off behind a pooler in transaction mode that cannot keep them). */
  DIRIGENT_DB_PREPARED_STATEMENTS: z.enum(["true", "false"]).default("true"),
});

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string;
  adminPassword: string | undefined;
  logLevel: z.infer<typeof envSchema>["DIRIGENT_LOG_LEVEL"];
  tokenTtlSeconds: number;
  sessionTtlSeconds: number;
  loginRateLimit: number;
  secureCookies: boolean;
  trustProxy: boolean;
  masterKey: string | undefined;
  masterKeyPrevious: string | undefined;
  services: ReadonlySet<string>;
  mailPollMs: number;
  /** How often a node looks for pending jobs when nothing woke its dispatcher. */
  dispatchPollMs: number;
  schedulerPollMs: number;
  jobPendingAlertSeconds: number;
  mailLeaseSeconds: number;
  webhookAllowedHosts: readonly string[];
  webhookPollMs: number;
  webhookLeaseSeconds: number;
  robotHeartbeatSeconds: number;
  dbStatementTimeoutMs: number;
  dbConnectTimeoutMs: number;
  dbPoolSize: number;
  dbPreparedStatements: boolean;
  authCacheSeconds: number;
}>;

/** The variables the schema knows, with their one-line descriptions, for `--help` and the README. */
export const configVariables = Object.keys(envSchema.shape);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment (and flag overrides, which win) into a frozen Config, reporting all problems together. */
export function parseConfig(
  env: Record<string, string | undefined>,
  overrides: Partial<Record<keyof z.infer<typeof envSchema>, string>> = {},
): Config {
  const input: Record<string, string> = {};
  for (const key of configVariables) {
    const value = overrides[key as keyof typeof overrides] ?? env[key];
    // An empty variable means "not set", as in most twelve-factor tools.
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const publicUrl = (e.DIRIGENT_PUBLIC_URL ?? `http://${displayHost(e.DIRIGENT_HOST)}:${e.DIRIGENT_PORT}`).replace(
    /\/+$/,
    "",
  );
  return Object.freeze({
    port: e.DIRIGENT_PORT,
    host: e.DIRIGENT_HOST,
    dataDir: path.resolve(e.DIRIGENT_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl,
    adminPassword: e.DIRIGENT_ADMIN_PASSWORD,
    logLevel: e.DIRIGENT_LOG_LEVEL,
    tokenTtlSeconds: e.DIRIGENT_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: e.DIRIGENT_SESSION_TTL_SECONDS,
    loginRateLimit: e.DIRIGENT_LOGIN_RATE_LIMIT,
    secureCookies:
      e.DIRIGENT_SECURE_COOKIES !== undefined ? e.DIRIGENT_SECURE_COOKIES === "true" : publicUrl.startsWith("https:"),
    trustProxy: e.DIRIGENT_TRUST_PROXY === "true",
    masterKey: e.DIRIGENT_MASTER_KEY,
    masterKeyPrevious: e.DIRIGENT_MASTER_KEY_PREVIOUS,
    mailPollMs: e.DIRIGENT_MAIL_POLL_MS,
    dispatchPollMs: e.DIRIGENT_DISPATCH_POLL_MS,
    schedulerPollMs: e.DIRIGENT_SCHEDULER_POLL_MS,
    jobPendingAlertSeconds: e.DIRIGENT_JOB_PENDING_ALERT_SECONDS,
    mailLeaseSeconds: e.DIRIGENT_MAIL_LEASE_SECONDS,
    webhookAllowedHosts: Object.freeze(
      e.DIRIGENT_WEBHOOK_ALLOWED_HOSTS.split(",")
        .map((h) => h.trim())
        .filter(Boolean),
    ),
    webhookPollMs: e.DIRIGENT_WEBHOOK_POLL_MS,
    webhookLeaseSeconds: e.DIRIGENT_WEBHOOK_LEASE_SECONDS,
    robotHeartbeatSeconds: e.DIRIGENT_ROBOT_HEARTBEAT_SECONDS,
    dbStatementTimeoutMs: e.DIRIGENT_DB_STATEMENT_TIMEOUT_MS,
    dbConnectTimeoutMs: e.DIRIGENT_DB_CONNECT_TIMEOUT_MS,
    authCacheSeconds: e.DIRIGENT_AUTH_CACHE_SECONDS,
    dbPoolSize: e.DIRIGENT_DB_POOL_SIZE,
    dbPreparedStatements: e.DIRIGENT_DB_PREPARED_STATEMENTS === "true",
    services: new Set(
      e.DIRIGENT_SERVICES.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  });
}

function displayHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
