import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { addSeconds } from "../platform/clock.js";
import type { MasterKey } from "../platform/master-key.js";
import type { ServiceContext } from "../services/context.js";
import type { EffectiveSettings, EmailSettingsService } from "../services/email/email-settings-service.js";
import { secretContext } from "../services/email/notification-service.js";
import { renderEmail, type TemplateName } from "../services/email/templates.js";
import { classifySmtpError, createTransport, transportKey, transportOptions } from "../services/email/transport.js";
import { isDatabaseUnavailable } from "../storage/db-errors.js";
import type { EmailOutboxRow } from "../storage/schema.js";
import { FailureStreak } from "./failure-streak.js";

export interface MailerOptions {
  /** How often the outbox is polled when nothing wakes the mailer. */
  pollMs?: number;
  /** Rows claimed per round. */
  batchSize?: number;
  /** How long a claimed row stays leased before a sweeper returns it (a crashed sender). */
  leaseSeconds?: number;
}

/** Backoff of temporary failures: 1 minute, doubling, at most 1 hour (EMAIL.md §4). */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 60 * 2 ** Math.max(0, attempts - 1));
}

interface PooledTransport {
  transport: Transporter<SMTPTransport.SentMessageInfo>;
  lastUsed: number;
}

/**
 * Sends the outbox. Each round claims due rows with one conditional UPDATE (PostgreSQL
 * `FOR UPDATE SKIP LOCKED`, so several nodes never claim one row), sends them concurrently
 * through pooled connections of the settings in force at send time, and records the outcome.
 * A crash mid-send leaves rows `sending` with an expired lease; the sweep returns them to the
 * queue, so a message accepted just before the crash may be sent twice — never lost.
 */
export class Mailer {
  private readonly nodeId = `mailer-${randomUUID().slice(0, 8)}`;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly leaseSeconds: number;
  private readonly transports = new Map<string, PooledTransport>();
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
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** One round: return expired leases, claim due rows, send them. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    await this.sweepLeases();
    const rows = await this.claim();
    // Settings are resolved once per organization per round: still "the settings in force at
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
    await Promise.all(rows.map((row) => this.deliver(row, settingsFor)));
    this.closeIdleTransports();
    return rows.length;
  }

  private async loop(): Promise<void> {
    const streak = new FailureStreak("mailer", this.ctx.logger);
    while (this.running) {
      let claimed = 0;
      let pause = this.pollMs;
      try {
        claimed = await this.runOnce();
        streak.succeeded();
      } catch (error) {
        pause = streak.failed(error, this.pollMs);
      }
      // A full batch means more are waiting: go again at once.
      if (claimed < this.batchSize && this.running) await this.sleep(pause);
    }
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
  private async claim(): Promise<EmailOutboxRow[]> {
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
          .orderBy("id")
          .limit(this.batchSize)
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
    let eff: EffectiveSettings | null = null;
    try {
      eff = await settingsFor(row.org_id);
      if (!eff) {
        await this.finish(row, { status: "held", last_error: "E-mail is not configured." });
        return;
      }
      const token = await this.settings.accessToken(eff);
      const transport = this.transport(eff, token);
      const data = JSON.parse(row.data_json) as Record<string, unknown>;
      const secret = typeof data._secret === "string" ? this.masterKey.decrypt(data._secret, secretContext) : null;
      const mail = renderEmail(row.template as TemplateName, row.locale, data, {
        publicUrl: this.ctx.config.publicUrl,
        secret,
      });
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
      await this.finish(row, {
        status: "sent",
        subject: mail.subject,
        message_id: info.messageId,
        last_error: null,
        last_smtp_code: Number.parseInt(info.response, 10) || null,
        settings_source: eff.source,
        sent_at: this.ctx.clock.now().toISOString(),
        attempts: row.attempts + 1,
      });
    } catch (error) {
      const failure = classifySmtpError(error, eff?.settings ?? ({} as EffectiveSettings["settings"]));
      const attempts = row.attempts + 1;
      const now = this.ctx.clock.now();
      const next = addSeconds(now, retryDelaySeconds(attempts));
      const retry = failure.temporary && next.toISOString() <= row.retry_until;
      const lastError = [failure.message, failure.hint].filter(Boolean).join(" — ").slice(0, 2000);
      await this.finish(row, {
        status: retry ? "queued" : "failed",
        attempts,
        next_attempt_at: next.toISOString(),
        last_error: lastError,
        last_smtp_code: failure.smtpCode,
        settings_source: eff?.source ?? null,
      });
      this.ctx.logger.warn(
        { outboxId: row.id, stage: failure.stage, smtpCode: failure.smtpCode, retry, attempts },
        `e-mail delivery failed: ${failure.message}`,
      );
    }
  }

  private async finish(row: EmailOutboxRow, values: Partial<Omit<EmailOutboxRow, "id">>): Promise<void> {
    // The message has left (or failed) already: while the database is briefly away, keep the
    // outcome and try again for up to half the lease, so a short outage does not make another
    // sender take the lease over and send the message a second time.
    const giveUpAt = Date.now() + (this.leaseSeconds * 1000) / 2;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.recordOutcome(row, values);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  private async recordOutcome(row: EmailOutboxRow, values: Partial<Omit<EmailOutboxRow, "id">>): Promise<void> {
    // Only the holder of the lease records the outcome: a row a sweeper already returned (and
    // maybe another node re-sent) is not overwritten.
    await this.ctx.db
      .updateTable("email_outbox")
      .set({ ...values, locked_by: null, locked_until: null, updated_at: this.ctx.clock.now().toISOString() })
      .where("id", "=", row.id)
      .where("locked_by", "=", this.nodeId)
      .execute();
  }

  private transport(eff: EffectiveSettings, accessToken: string | null) {
    const key = transportKey(eff.settings, {
      ...eff.secrets,
      oauthClientSecret: accessToken ?? eff.secrets.oauthClientSecret,
    });
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
