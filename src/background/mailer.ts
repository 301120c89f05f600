import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql, type UpdateObject } from "kysely";
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { addSeconds } from "../platform/clock.js";
import type { MasterKey } from "../platform/master-key.js";
import type { EmailDeliveryAlerts, EmailRoundOutcome } from "../services/alerts/email-delivery-alerts.js";
import type { ServiceContext } from "../services/context.js";
import type { EffectiveSettings, EmailSettingsService } from "../services/email/email-settings-service.js";
import { secretContext } from "../services/email/notification-service.js";
import { visibleLastError } from "../services/email/outbox-service.js";
import { type RenderedEmail, renderEmail, type TemplateName } from "../services/email/templates.js";
import { classifySmtpError, createTransport, transportKey, transportOptions } from "../services/email/transport.js";
import { isDatabaseUnavailable } from "../storage/db-errors.js";
import type { Database, EmailOutboxRow } from "../storage/schema.js";
import { FailureStreak } from "./failure-streak.js";

export interface MailerOptions {
  /** How often the outbox is polled when nothing wakes the mailer. */
  pollMs?: number;
  /** Rows claimed per round. */
  batchSize?: number;
  /** How long a claimed row stays leased before a sweeper returns it (a crashed sender). */
  leaseSeconds?: number;
  /** How often expired leases are looked for. */
  sweepMs?: number;
  /** Told the recorded outcomes per organization (the email-delivery-failing alert). */
  deliveryAlerts?: EmailDeliveryAlerts;
}

/** Outcomes are written together: at most this many in one statement per kind, at most this late. */
const outcomeBatch = 50;
const outcomeDelayMs = 20;

/** Rendered messages kept for rows with the same template, language and data. */
const renderCacheSize = 64;

/** What a delivery attempt records on its row. */
type Outcome = Partial<Omit<EmailOutboxRow, "id">>;
const integerColumns = new Set<keyof Outcome>(["attempts", "last_smtp_code"]);

/** Backoff of temporary failures: 1 minute, doubling, at most 1 hour (EMAIL.md §4). */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 60 * 2 ** Math.max(0, attempts - 1));
}

interface PooledTransport {
  transport: Transporter<SMTPTransport.SentMessageInfo>;
  lastUsed: number;
}

/**
 * Sends the outbox. It claims due rows with one conditional UPDATE (PostgreSQL
 * `FOR UPDATE SKIP LOCKED`, so several nodes never claim one row) and sends them through pooled
 * connections of the settings in force at send time, keeping a continuous window of messages in
 * flight: the next rows are claimed when half the window has left, not after the slowest message
 * of a batch, so the pool's connections never wait for the database. Outcomes are recorded in
 * small batches, one statement per kind of outcome (one commit instead of one per message).
 * A crash mid-send leaves rows `sending` with an expired lease; the sweep returns them to the
 * queue, so a message accepted just before the crash (or whose outcome was still waiting to be
 * written, at most 20 ms) may be sent twice — never lost.
 */
export class Mailer {
  private readonly nodeId = `mailer-${randomUUID().slice(0, 8)}`;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly leaseSeconds: number;
  private readonly sweepMs: number;
  private readonly deliveryAlerts: EmailDeliveryAlerts | null;
  private lastSweep = 0;
  /** Messages claimed and not yet handed to SMTP or failed. */
  private inFlight = 0;
  private readonly deliveries = new Set<Promise<void>>();
  private outcomes: {
    row: EmailOutboxRow;
    values: Outcome;
    done: () => void;
    failed: (e: unknown) => void;
  }[] = [];
  private outcomeTimer: NodeJS.Timeout | null = null;
  private readonly transports = new Map<string, PooledTransport>();
  private readonly renders = new Map<string, RenderedEmail>();
  private readonly transportKeys = new WeakMap<EffectiveSettings, string>();
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly settings: EmailSettingsService,
    private readonly masterKey: MasterKey,
    onWake: (listener: () => void) => () => void,
    options: MailerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 100;
    this.leaseSeconds = options.leaseSeconds ?? 300;
    this.sweepMs = options.sweepMs ?? 5000;
    this.deliveryAlerts = options.deliveryAlerts ?? null;
    this.subscribe = onWake;
  }

  private readonly subscribe: (listener: () => void) => () => void;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.subscribe(() => this.wake());
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.deliveries]);
    await this.writeOutcomes();
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Returns expired leases (every `sweepMs`), then claims due rows up to a full window and starts
   * sending them without waiting for them. Returns how many were claimed.
   */
  async runOnce(): Promise<number> {
    if (Date.now() - this.lastSweep >= this.sweepMs) {
      await this.sweepLeases();
      this.lastSweep = Date.now();
    }
    const rows = await this.claim(this.batchSize - this.inFlight);
    // Settings are resolved once per organization per claim: still "the settings in force at
    // send time", without a query and a decryption for every message.
    const settingsByOrg = new Map<number | null, Promise<EffectiveSettings | null>>();
    const settingsFor = (orgId: number | null) => {
      let eff = settingsByOrg.get(orgId);
      if (!eff) {
        eff = this.settings.effective(this.ctx.db, orgId);
        settingsByOrg.set(orgId, eff);
      }
      return eff;
    };
    for (const row of rows) {
      this.inFlight += 1;
      const delivery = this.deliver(row, settingsFor)
        .catch((error) => this.ctx.logger.error({ err: error, outboxId: row.id }, "e-mail outcome not recorded"))
        .finally(() => {
          this.deliveries.delete(delivery);
        });
      this.deliveries.add(delivery);
    }
    this.closeIdleTransports();
    return rows.length;
  }

  private async loop(): Promise<void> {
    const streak = new FailureStreak("mailer", this.ctx.logger);
    while (this.running) {
      let claimed = 0;
      let pause = this.pollMs;
      try {
        if (this.inFlight <= this.batchSize / 2) claimed = await this.runOnce();
        streak.succeeded();
      } catch (error) {
        pause = streak.failed(error, this.pollMs);
      }
      if (!this.running) break;
      // More may be waiting: claim again at once while half the window is free; otherwise sleep
      // until half of it has left (sent() wakes the loop), new mail arrives, or the poll is due.
      if (claimed > 0 && this.inFlight <= this.batchSize / 2) continue;
      await this.sleep(pause);
    }
  }

  /** A message left the window: claim more once half of it is free. */
  private sent(): void {
    this.inFlight -= 1;
    if (this.inFlight <= this.batchSize / 2) this.wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /**
   * Claims up to batchSize due rows in one statement. On PostgreSQL the inner SELECT skips rows
   * another node has locked; on SQLite the single UPDATE runs under the database write lock.
   */
  private async claim(limit: number): Promise<EmailOutboxRow[]> {
    if (limit <= 0) return [];
    const now = this.ctx.clock.now();
    const db = this.ctx.db;
    return db
      .updateTable("email_outbox")
      .set({
        status: "sending",
        locked_by: this.nodeId,
        locked_until: addSeconds(now, this.leaseSeconds).toISOString(),
        updated_at: now.toISOString(),
      })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("email_outbox")
          .select("id")
          .where("status", "=", "queued")
          .where("next_attempt_at", "<=", now.toISOString())
          // The order of the index email_outbox_due: the claim reads `limit` entries, never sorts.
          .orderBy("next_attempt_at")
          .orderBy("id")
          .limit(limit)
          .$if(this.ctx.dialect.name === "postgres", (q) => q.forUpdate().skipLocked()),
      )
      .where("status", "=", "queued")
      .returningAll()
      .execute();
  }

  /** Rows left `sending` by a sender that died go back to the queue. */
  private async sweepLeases(): Promise<void> {
    const now = this.ctx.clock.now().toISOString();
    const result = await this.ctx.db
      .updateTable("email_outbox")
      .set({
        status: "queued",
        locked_by: null,
        locked_until: null,
        last_error: sql<string>`coalesce(last_error, 'The sender stopped while sending; sending again.')`,
        updated_at: now,
      })
      .where("status", "=", "sending")
      .where("locked_until", "<", now)
      .executeTakeFirst();
    const n = Number(result.numUpdatedRows);
    if (n > 0) this.ctx.logger.warn({ messages: n }, "returned messages of a stopped sender to the queue");
  }

  private async deliver(
    row: EmailOutboxRow,
    settingsFor: (orgId: number | null) => Promise<EffectiveSettings | null>,
  ): Promise<void> {
    let values: Outcome;
    try {
      values = await this.attempt(row, settingsFor);
    } finally {
      this.sent();
    }
    await this.finish(row, values);
  }

  /** Sends one message; returns the outcome to record (sent, held, queued again or failed). */
  private async attempt(
    row: EmailOutboxRow,
    settingsFor: (orgId: number | null) => Promise<EffectiveSettings | null>,
  ): Promise<Outcome> {
    let eff: EffectiveSettings | null = null;
    try {
      eff = await settingsFor(row.org_id);
      if (!eff) return { status: "held", last_error: "E-mail is not configured." };
      const token = await this.settings.accessToken(eff);
      const transport = this.transport(eff, token);
      const mail = this.render(row);
      const s = eff.settings;
      const info = await transport.sendMail({
        from: { name: s.fromDisplayName ?? "", address: s.fromAddress },
        to: row.to_name ? { name: row.to_name, address: row.to_address } : row.to_address,
        ...(s.replyTo && { replyTo: s.replyTo }),
        ...(s.envelopeSender && { envelope: { from: s.envelopeSender, to: row.to_address } }),
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        date: this.ctx.clock.now(),
        // A stable Message-ID per outbox row: a resend after a crash is recognisably the same message.
        messageId: `<outbox-${row.id}.${row.created_at.replace(/\D/g, "")}@${messageIdDomain(s.fromAddress)}>`,
        headers: { "Auto-Submitted": "auto-generated", "X-Dirigent-Template": row.template, ...mail.headers },
      });
      return {
        status: "sent",
        subject: mail.subject,
        message_id: info.messageId,
        last_error: null,
        last_smtp_code: Number.parseInt(info.response, 10) || null,
        settings_source: eff.source,
        sent_at: this.ctx.clock.now().toISOString(),
        attempts: row.attempts + 1,
      };
    } catch (error) {
      const failure = classifySmtpError(error, eff?.settings ?? ({} as EffectiveSettings["settings"]));
      const attempts = row.attempts + 1;
      const now = this.ctx.clock.now();
      const next = addSeconds(now, retryDelaySeconds(attempts));
      const retry = failure.temporary && next.toISOString() <= row.retry_until;
      const lastError = [failure.message, failure.hint].filter(Boolean).join(" — ").slice(0, 2000);
      this.ctx.logger.warn(
        { outboxId: row.id, stage: failure.stage, smtpCode: failure.smtpCode, retry, attempts },
        `e-mail delivery failed: ${failure.message}`,
      );
      return {
        status: retry ? "queued" : "failed",
        attempts,
        next_attempt_at: next.toISOString(),
        last_error: lastError,
        last_smtp_code: failure.smtpCode,
        settings_source: eff?.source ?? null,
      };
    }
  }

  /**
   * The message of a row. A notification to many recipients stores the same data for each, so
   * renders are kept per template, language and data (the last `renderCacheSize`); a row with a
   * secret (a reset link) is rendered on its own and its text is not kept.
   */
  private render(row: EmailOutboxRow): RenderedEmail {
    const key = `${row.template}\0${row.locale}\0${row.data_json}`;
    const cached = this.renders.get(key);
    if (cached) return cached;
    const data = JSON.parse(row.data_json) as Record<string, unknown>;
    const secret = typeof data._secret === "string" ? this.masterKey.decrypt(data._secret, secretContext) : null;
    const mail = renderEmail(row.template as TemplateName, row.locale, data, {
      publicUrl: this.ctx.config.publicUrl,
      secret,
    });
    if (secret === null) {
      if (this.renders.size >= renderCacheSize) this.renders.delete(this.renders.keys().next().value as string);
      this.renders.set(key, mail);
    }
    return mail;
  }

  /** Records an outcome with others of the same moment (see writeOutcomes); resolves once committed. */
  private finish(row: EmailOutboxRow, values: Outcome): Promise<void> {
    return new Promise((done, failed) => {
      this.outcomes.push({ row, values, done, failed });
      if (this.outcomes.length >= outcomeBatch) void this.writeOutcomes();
      else this.outcomeTimer ??= setTimeout(() => void this.writeOutcomes(), outcomeDelayMs);
    });
  }

  /**
   * Writes the waiting outcomes (see recordOutcomes). The messages have left (or failed) already:
   * while the database is briefly away, keep the outcomes and try again for up to half the lease,
   * so a short outage does not make another sender take the lease over and send them again.
   */
  private async writeOutcomes(): Promise<void> {
    if (this.outcomeTimer) clearTimeout(this.outcomeTimer);
    this.outcomeTimer = null;
    const batch = this.outcomes.splice(0);
    if (batch.length === 0) return;
    const giveUpAt = Date.now() + (this.leaseSeconds * 1000) / 2;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.recordOutcomes(batch);
        for (const o of batch) o.done();
        await this.noteOutcomes(batch);
        return;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) {
          for (const o of batch) o.failed(error);
          return;
        }
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * One UPDATE per kind of outcome (sent, queued again, failed, held): each column a `case id`
   * over the batch, as the heartbeat batch does. Only the holder of the lease records an
   * outcome: a row a sweeper already returned (and maybe another node re-sent) is not overwritten.
   */
  private async recordOutcomes(batch: { row: EmailOutboxRow; values: Outcome }[]): Promise<void> {
    const kinds = new Map<string, typeof batch>();
    for (const o of batch) {
      const kind = Object.keys(o.values).sort().join(",");
      kinds.set(kind, [...(kinds.get(kind) ?? []), o]);
    }
    const now = this.ctx.clock.now().toISOString();
    for (const [kind, group] of kinds) {
      const set: UpdateObject<Database, "email_outbox"> = { locked_by: null, locked_until: null, updated_at: now };
      for (const column of kind.split(",").filter(Boolean) as (keyof Outcome)[]) {
        const value = (o: (typeof group)[number]) => o.values[column] ?? null;
        // Most columns carry one value for the whole group (status, subject, the SMTP code …).
        const first = value(group[0] as (typeof group)[number]);
        if (group.every((o) => value(o) === first)) {
          Object.assign(set, { [column]: first });
          continue;
        }
        // PostgreSQL types an untyped parameter in a CASE as text: the integer columns say theirs.
        const cases = group.map((o) =>
          integerColumns.has(column)
            ? sql`when ${o.row.id} then cast(${value(o)} as integer)`
            : sql`when ${o.row.id} then ${value(o)}`,
        );
        Object.assign(set, { [column]: sql`case id ${sql.join(cases, sql` `)} end` });
      }
      await this.ctx.db
        .updateTable("email_outbox")
        .set(set)
        .where(
          "id",
          "in",
          group.map((o) => o.row.id),
        )
        .where("locked_by", "=", this.nodeId)
        .execute();
    }
  }

  /** Counts each organization's sent and failed messages of a batch for its delivery health. */
  private async noteOutcomes(batch: { row: EmailOutboxRow; values: Outcome }[]): Promise<void> {
    if (!this.deliveryAlerts) return;
    const byOrg = new Map<number, EmailRoundOutcome>();
    for (const { row, values } of batch) {
      if (row.org_id === null || values.status === "held") continue;
      const o = byOrg.get(row.org_id) ?? { sent: 0, failed: 0, lastError: null };
      if (values.status === "sent") o.sent += 1;
      else {
        o.failed += 1;
        // The alert is read by the organization: the installation's server stays unnamed.
        o.lastError =
          values.last_error === undefined || values.last_error === null
            ? null
            : visibleLastError(
                { kind: "org", orgId: row.org_id },
                {
                  last_error: values.last_error,
                  settings_source: values.settings_source ?? row.settings_source,
                },
              );
      }
      byOrg.set(row.org_id, o);
    }
    if (byOrg.size === 0) return;
    try {
      await this.deliveryAlerts.note(byOrg);
    } catch (error) {
      // The messages' outcomes are recorded already; a missed count must not stop the mailer.
      this.ctx.logger.warn({ err: error }, "could not note e-mail delivery health");
    }
  }

  private transport(eff: EffectiveSettings, accessToken: string | null) {
    // The settings of one claim are one object: their fingerprint is hashed once, not per message.
    let key = accessToken === null ? this.transportKeys.get(eff) : undefined;
    if (key === undefined) {
      key = transportKey(eff.settings, {
        ...eff.secrets,
        oauthClientSecret: accessToken ?? eff.secrets.oauthClientSecret,
      });
      if (accessToken === null) this.transportKeys.set(eff, key);
    }
    let pooled = this.transports.get(key);
    if (!pooled) {
      pooled = {
        transport: createTransport(transportOptions(eff.settings, eff.secrets, accessToken, true)),
        lastUsed: 0,
      };
      this.transports.set(key, pooled);
    }
    pooled.lastUsed = Date.now();
    return pooled.transport;
  }

  /** Pools of settings no longer in use (changed settings, refreshed tokens) are closed after 5 minutes. */
  private closeIdleTransports(): void {
    const cutoff = Date.now() - 5 * 60_000;
    for (const [key, pooled] of this.transports) {
      if (pooled.lastUsed < cutoff) {
        pooled.transport.close();
        this.transports.delete(key);
      }
    }
  }
}

function messageIdDomain(fromAddress: string): string {
  return fromAddress.split("@")[1] ?? "dirigent.local";
}
