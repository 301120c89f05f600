import { expect } from "vitest";
import type { Api } from "./api.js";
import type { ReceivedMail, TestSmtpServer } from "./smtp.js";

/** Settings for a plain (no TLS, no AUTH) test SMTP server; `overrides` change any field. */
export function plainSettings(smtp: { port: number }, overrides: Record<string, unknown> = {}) {
  return {
    enabled: true,
    smtpHost: "127.0.0.1",
    smtpPort: smtp.port,
    fromAddress: "noreply@dirigent.test",
    fromDisplayName: "Dirigent",
    secureConnection: false,
    tlsMode: "auto",
    ...overrides,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
export type OutboxItem = any;

/**
 * Polls an outbox list (`/host/email/outbox` or `/orgs/{org}/email/outbox`) until an item
 * matches; returns it. Fails with the last list seen when nothing matched in time.
 */
export async function waitForOutbox(
  api: Api,
  listPath: string,
  match: (item: OutboxItem) => boolean,
  timeoutMs = 10_000,
): Promise<OutboxItem> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await api.get(`${listPath}?limit=200`);
    expect(res.status, res.text).toBe(200);
    last = res.body.items;
    const found = res.body.items.find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching outbox item within ${timeoutMs} ms: ${JSON.stringify(last, null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The outbox items addressed to `to`, newest first. */
export async function outboxTo(api: Api, listPath: string, to: string): Promise<OutboxItem[]> {
  const res = await api.get(`${listPath}?limit=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.filter((i: OutboxItem) => i.to === to.toLowerCase());
}

/** The one-time token of a link `…/<path>?token=…` in a received mail's text part. */
export function linkToken(mail: ReceivedMail, path: "reset-password" | "accept-invitation"): string {
  const match = new RegExp(`/${path}\\?token=([\\w%-]+)`).exec(mail.parsed.text ?? "");
  expect(match, mail.parsed.text).not.toBeNull();
  return decodeURIComponent((match as RegExpExecArray)[1] as string);
}

/** Waits for the next message to `to` beyond the `already` ones seen before. */
export async function nextMailTo(smtp: TestSmtpServer, to: string, already = 0, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = smtp.to(to);
    if (mails.length > already) return mails[already] as ReceivedMail;
    if (Date.now() > deadline) throw new Error(`no mail #${already + 1} to ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves after `ms`: only to prove that something does NOT happen within a short window. */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
