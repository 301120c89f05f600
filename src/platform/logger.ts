import { type Logger, pino } from "pino";

export type { Logger };

/** Keys whose values are never written to the log, wherever they appear (two levels deep). */
const secretKeys = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "secret",
  "clientSecret",
  "smtpPassword",
  "authorization",
  "cookie",
  "csrfToken",
  "key",
];

const redactPaths = [
  ...secretKeys,
  ...secretKeys.map((k) => `*.${k}`),
  ...secretKeys.map((k) => `*.*.${k}`),
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/**
 * Token-shaped values are masked even under innocent keys (a token pasted into a name field, say),
 * in messages and in error stacks: the finished line is scanned just before it is written.
 */
const tokenPattern = /\b(dg[tpslmju]_[A-Za-z0-9_-]{16,})/g;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: "[redacted]" },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === "string" ? a.replace(tokenPattern, "[redacted]") : a));
          return method.apply(this, masked as Parameters<typeof method>);
        },
        streamWrite: (line) => line.replace(tokenPattern, "[redacted]"),
      },
    },
    destination,
  );
}
