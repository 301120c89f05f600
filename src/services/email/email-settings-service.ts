import { AuditAction, AuditComponent, diffFields } from "../../domain/audit.js";
import {
  crossFieldErrors,
  defaultEmailSettings,
  type EmailSettings,
  emailSettingsSchema,
  type SettingsWarning,
  settingsWarnings,
} from "../../domain/email-settings.js";
import { ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { MasterKey } from "../../platform/master-key.js";
import type { EmailSettingsInput, EmailSettingsView, EmailTestResult } from "../../shared/api/email.js";
import type { Db } from "../../storage/database.js";
import type { EmailSettingsRow } from "../../storage/schema.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import { secretContext } from "./notification-service.js";
import { renderEmail } from "./templates.js";
import {
  classifySmtpError,
  createTransport,
  type OAuthTokens,
  type ResolvedSecrets,
  resolveHost,
  transportOptions,
} from "./transport.js";

export { type EmailSettingsInput, emailSettingsInput } from "../../shared/api/email.js";

export type SettingsSource = "host" | "organization";

export type { EmailSettingsView };

export interface HostEmailSettings {
  settings: EmailSettingsView;
  warnings: SettingsWarning[];
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface OrgEmailSettings extends HostEmailSettings {
  mode: "inherit" | "custom";
  /** The settings in force; null when none are, or when they are the host's and the reader may not see them. */
  effective: EmailSettingsView | null;
  source: SettingsSource;
  /** Whether the installation's e-mail server is set up and sending: all an organization sees of it. */
  installation: { configured: boolean; enabled: boolean };
}

/** Settings in force for a send: the values, decrypted secrets, and where they came from. */
export interface EffectiveSettings {
  settings: EmailSettings;
  secrets: ResolvedSecrets;
  source: SettingsSource;
}

export type TestResult = EmailTestResult;

const passwordContext = "email_settings.smtp_password";
const oauthContext = "email_settings.oauth_client_secret";

/**
 * SMTP settings at host and organization level (EMAIL.md §1–2). An organization either inherits
 * the host's settings or uses its own (custom values stay stored when it switches back).
 */
export class EmailSettingsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly masterKey: MasterKey,
    private readonly oauth: OAuthTokens,
  ) {}

  async getHost(): Promise<HostEmailSettings> {
    return this.view(await this.row(this.ctx.db, null));
  }

  /**
   * An organization's settings. The host's server (host, port, sender, user) is the installation's
   * business: organization administrators (`revealHost` false) learn only that it is set up and
   * sending, never its details (issue #12, defect 15).
   */
  async getOrg(orgId: number, options: { revealHost: boolean }): Promise<OrgEmailSettings> {
    const [own, host] = await Promise.all([this.row(this.ctx.db, orgId), this.row(this.ctx.db, null)]);
    const mode = own?.mode ?? "inherit";
    const source: SettingsSource = mode === "custom" ? "organization" : "host";
    const effectiveRow = mode === "custom" ? own : options.revealHost ? host : undefined;
    const hostSettings = host ? parseStored(host) : null;
    return {
      ...this.view(own),
      mode,
      source,
      effective: effectiveRow ? this.view(effectiveRow).settings : null,
      installation: {
        configured: Boolean(hostSettings?.smtpHost && hostSettings.fromAddress),
        enabled: Boolean(hostSettings?.smtpHost && hostSettings.fromAddress && hostSettings.enabled),
      },
    };
  }

  async putHost(actor: Actor, input: EmailSettingsInput): Promise<HostEmailSettings> {
    await this.save(actor, null, "custom", input);
    return this.getHost();
  }

  async putOrg(
    actor: Actor,
    orgId: number,
    mode: "inherit" | "custom" | undefined,
    input: EmailSettingsInput,
    options: { revealHost: boolean },
  ) {
    await this.save(actor, orgId, mode, input);
    return this.getOrg(orgId, options);
  }

  /** The settings that send an organization's mail (or the host's, for null), or null when none are enabled. */
  async effective(db: Db, orgId: number | null): Promise<EffectiveSettings | null> {
    let row = orgId === null ? null : await this.row(db, orgId);
    let source: SettingsSource = "organization";
    if (row?.mode !== "custom") {
      row = await this.row(db, null);
      source = "host";
    }
    if (!row) return null;
    const settings = parseStored(row);
    if (!settings.enabled || !settings.smtpHost || !settings.fromAddress) return null;
    return { settings, secrets: this.secrets(row), source };
  }

  /**
   * Sends a real test message with the settings as typed (or as stored when no draft is given)
   * and reports the stage reached. Nothing is saved; the test is audited.
   */
  async test(
    actor: Actor,
    orgId: number | null,
    to: string,
    draft: EmailSettingsInput | undefined,
    options: { revealHost: boolean } = { revealHost: true },
  ): Promise<TestResult> {
    let settings: EmailSettings;
    let secrets: ResolvedSecrets;
    let source: SettingsSource = orgId === null ? "host" : "organization";
    if (draft) {
      const stored = await this.row(this.ctx.db, orgId);
      const merged = this.merge(stored, draft);
      settings = merged.settings;
      secrets = merged.secrets;
    } else {
      const eff = await this.effectiveOrDisabled(orgId);
      if (!eff) {
        return {
          ok: false,
          stage: "resolve",
          message: "No SMTP settings are saved yet.",
          hint: "Fill in the settings and test them before saving.",
        };
      }
      ({ settings, secrets, source } = eff);
    }
    const sent = await this.sendTest(settings, secrets, to, source);
    // An organization testing the installation's server learns whether it worked, not its replies.
    const result = source === "host" && orgId !== null && !options.revealHost ? withoutHostDetails(sent, to) : sent;
    await this.audit.record(this.ctx.db, actor, orgId === null ? { scope: "host" } : orgAuditScope(actor, orgId), {
      component: AuditComponent.settings,
      action: AuditAction.testEmail,
      target: { type: "email-settings", id: orgId ?? "host", name: "E-mail" },
      after: { to, ok: result.ok, stage: result.stage, smtpCode: result.smtpCode ?? null },
    });
    return result;
  }

  /** A pooled-transport key and options for the sender, with a fresh OAuth2 token when needed. */
  async accessToken(eff: EffectiveSettings): Promise<string | null> {
    return eff.settings.authMethod === "oauth2" ? this.oauth.get(eff.settings, eff.secrets.oauthClientSecret) : null;
  }

  private async sendTest(
    settings: EmailSettings,
    secrets: ResolvedSecrets,
    to: string,
    source: SettingsSource,
  ): Promise<TestResult> {
    const unresolved = await resolveHost(settings.smtpHost);
    if (unresolved) return presentFailure(unresolved);
    let transport: ReturnType<typeof createTransport> | undefined;
    try {
      const token = settings.authMethod === "oauth2" ? await this.oauth.get(settings, secrets.oauthClientSecret) : null;
      transport = createTransport(transportOptions(settings, secrets, token, false));
      const mail = renderEmail("test-email", "en", { source }, { publicUrl: this.ctx.config.publicUrl, secret: null });
      const info = await transport.sendMail({
        from: { name: settings.fromDisplayName ?? "", address: settings.fromAddress },
        to,
        ...(settings.replyTo && { replyTo: settings.replyTo }),
        ...(settings.envelopeSender && { envelope: { from: settings.envelopeSender, to } }),
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
      const code = Number.parseInt(info.response, 10);
      return {
        ok: true,
        stage: "data",
        ...(Number.isFinite(code) && { smtpCode: code }),
        response: info.response,
        message: `The server accepted the test message for ${to}.`,
      };
    } catch (error) {
      return presentFailure(classifySmtpError(error, settings));
    } finally {
      transport?.close();
    }
  }

  private async effectiveOrDisabled(orgId: number | null): Promise<EffectiveSettings | null> {
    const eff = await this.effective(this.ctx.db, orgId);
    if (eff) return eff;
    // A test of saved-but-disabled settings still tests them.
    const row = (orgId !== null ? await this.row(this.ctx.db, orgId) : null) ?? (await this.row(this.ctx.db, null));
    if (!row) return null;
    const settings = parseStored(row);
    if (!settings.smtpHost || !settings.fromAddress) return null;
    return { settings, secrets: this.secrets(row), source: row.org_id === null ? "host" : "organization" };
  }

  private async save(
    actor: Actor,
    orgId: number | null,
    mode: "inherit" | "custom" | undefined,
    input: EmailSettingsInput,
  ) {
    await this.ctx.db.transaction().execute(async (tx) => {
      const stored = await this.row(tx, orgId);
      const { settings, secrets } = this.merge(stored, input);
      const newMode = mode ?? stored?.mode ?? (orgId === null ? "custom" : "inherit");
      // Saving complete custom settings for the first time (or completing them) turns sending on
      // when `enabled` is not given: only an explicit `enabled: false` holds the mail. Settings that
      // were complete already keep their stored switch, so an edit or a switch back from inherit
      // does not undo an explicit "off".
      if (input.enabled === undefined && newMode === "custom" && isComplete(settings)) {
        if (!(stored && isComplete(parseStored(stored)))) settings.enabled = true;
      }
      // An organization that inherits keeps whatever custom values it had; only "custom" is checked.
      if (newMode === "custom") {
        const errors = crossFieldErrors(settings, { hasOauthClientSecret: secrets.oauthClientSecret !== null });
        if (errors.length > 0) throw new ValidationError(errors);
      }
      const values = {
        mode: newMode,
        settings_json: JSON.stringify(settings),
        smtp_password_enc:
          secrets.smtpPassword === null ? null : this.masterKey.encrypt(secrets.smtpPassword, passwordContext),
        oauth_client_secret_enc:
          secrets.oauthClientSecret === null ? null : this.masterKey.encrypt(secrets.oauthClientSecret, oauthContext),
        updated_at: isoNow(this.ctx.clock),
        updated_by: actor.name,
      };
      if (stored) {
        await tx.updateTable("email_settings").set(values).where("id", "=", stored.id).execute();
      } else {
        await tx
          .insertInto("email_settings")
          .values({ org_id: orgId, ...values })
          .execute();
      }
      // Mail that waited for settings gets another chance; the sender holds it again if still unconfigured.
      await tx
        .updateTable("email_outbox")
        .set({ status: "queued", next_attempt_at: isoNow(this.ctx.clock), updated_at: isoNow(this.ctx.clock) })
        .where("status", "=", "held")
        .execute();
      const before = stored ? parseStored(stored) : defaultEmailSettings;
      const diff = diffFields({ ...before, mode: stored?.mode ?? null }, { ...settings, mode: newMode });
      const oldSecrets = stored ? this.secrets(stored) : { smtpPassword: null, oauthClientSecret: null };
      if (secrets.smtpPassword !== oldSecrets.smtpPassword) diff.after.smtpPasswordChanged = true;
      if (secrets.oauthClientSecret !== oldSecrets.oauthClientSecret) diff.after.oauthClientSecretChanged = true;
      await this.audit.record(tx, actor, orgId === null ? { scope: "host" } : orgAuditScope(actor, orgId), {
        component: AuditComponent.settings,
        action: AuditAction.update,
        target: { type: "email-settings", id: orgId ?? "host", name: "E-mail" },
        ...diff,
      });
    });
  }

  /** Applies an input onto the stored settings (or the defaults) and validates the result. */
  private merge(stored: EmailSettingsRow | undefined, input: EmailSettingsInput): EffectiveSettings {
    const { smtpPassword, oauthClientSecret, hasSmtpPassword: _a, hasOauthClientSecret: _b, ...fields } = input;
    const base = stored ? parseStored(stored) : defaultEmailSettings;
    const parsed = emailSettingsSchema.safeParse({ ...base, ...fields });
    if (!parsed.success) {
      throw new ValidationError(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
    }
    const old = stored ? this.secrets(stored) : { smtpPassword: null, oauthClientSecret: null };
    return {
      settings: parsed.data,
      secrets: {
        smtpPassword: smtpPassword === undefined ? old.smtpPassword : smtpPassword || null,
        oauthClientSecret: oauthClientSecret === undefined ? old.oauthClientSecret : oauthClientSecret || null,
      },
      source: stored?.org_id ? "organization" : "host",
    };
  }

  private secrets(row: EmailSettingsRow): ResolvedSecrets {
    return {
      smtpPassword: row.smtp_password_enc ? this.masterKey.decrypt(row.smtp_password_enc, passwordContext) : null,
      oauthClientSecret: row.oauth_client_secret_enc
        ? this.masterKey.decrypt(row.oauth_client_secret_enc, oauthContext)
        : null,
    };
  }

  private view(row: EmailSettingsRow | undefined): HostEmailSettings {
    const settings = row ? parseStored(row) : { ...defaultEmailSettings };
    const hasSmtpPassword = Boolean(row?.smtp_password_enc);
    return {
      settings: { ...settings, hasSmtpPassword, hasOauthClientSecret: Boolean(row?.oauth_client_secret_enc) },
      warnings: row ? settingsWarnings(settings, { hasSmtpPassword }) : [],
      updatedAt: row?.updated_at ?? null,
      updatedBy: row?.updated_by ?? null,
    };
  }

  private row(db: Db, orgId: number | null) {
    return db
      .selectFrom("email_settings")
      .selectAll()
      .where("org_id", orgId === null ? "is" : "=", orgId)
      .executeTakeFirst();
  }

  /** Re-encrypts stored secrets under the current master key; returns how many values changed. */
  async reencryptSecrets(): Promise<number> {
    const rows = await this.ctx.db.selectFrom("email_settings").selectAll().execute();
    let changed = 0;
    for (const row of rows) {
      const update: { smtp_password_enc?: string; oauth_client_secret_enc?: string } = {};
      if (row.smtp_password_enc && this.masterKey.isStale(row.smtp_password_enc)) {
        update.smtp_password_enc = this.masterKey.encrypt(
          this.masterKey.decrypt(row.smtp_password_enc, passwordContext),
          passwordContext,
        );
      }
      if (row.oauth_client_secret_enc && this.masterKey.isStale(row.oauth_client_secret_enc)) {
        update.oauth_client_secret_enc = this.masterKey.encrypt(
          this.masterKey.decrypt(row.oauth_client_secret_enc, oauthContext),
          oauthContext,
        );
      }
      if (Object.keys(update).length > 0) {
        await this.ctx.db.updateTable("email_settings").set(update).where("id", "=", row.id).execute();
        changed += Object.keys(update).length;
      }
    }
    // The one-time link tokens of outbox messages (queued, held, or kept for Resend) are sealed too.
    const outbox = await this.ctx.db
      .selectFrom("email_outbox")
      .select(["id", "data_json"])
      .where("data_json", "like", '%"_secret"%')
      .execute();
    for (const row of outbox) {
      const data = JSON.parse(row.data_json) as Record<string, unknown>;
      if (typeof data._secret !== "string" || !this.masterKey.isStale(data._secret)) continue;
      data._secret = this.masterKey.encrypt(this.masterKey.decrypt(data._secret, secretContext), secretContext);
      await this.ctx.db
        .updateTable("email_outbox")
        .set({ data_json: JSON.stringify(data) })
        .where("id", "=", row.id)
        .execute();
      changed += 1;
    }
    return changed;
  }
}

/** Stored JSON from an older version may lack newer fields: defaults fill them. */
function parseStored(row: EmailSettingsRow): EmailSettings {
  const parsed = emailSettingsSchema.safeParse({ ...defaultEmailSettings, ...JSON.parse(row.settings_json) });
  return parsed.success ? parsed.data : { ...defaultEmailSettings };
}

function presentFailure(f: ReturnType<typeof classifySmtpError>): TestResult {
  return {
    ok: false,
    stage: f.stage,
    ...(f.smtpCode !== null && { smtpCode: f.smtpCode }),
    ...(f.response !== null && { response: f.response }),
    message: f.message,
    ...(f.hint !== null && { hint: f.hint }),
  };
}

/** Whether settings name a server and a sender, the least that can send mail. */
function isComplete(settings: EmailSettings): boolean {
  return settings.smtpHost !== "" && settings.fromAddress !== "";
}

/** A test result through the installation's server as an organization administrator sees it. */
function withoutHostDetails(result: TestResult, to: string): TestResult {
  return result.ok
    ? {
        ok: true,
        stage: result.stage,
        message: `The installation's e-mail server accepted the test message for ${to}.`,
      }
    : {
        ok: false,
        stage: result.stage,
        message: "The installation's e-mail server could not send the test message.",
        hint: "Tell a system administrator of this installation; its e-mail settings are theirs to check.",
      };
}
