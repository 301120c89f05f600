import type { ColumnType, Selectable } from "kysely";
import type { Locale } from "../../shared/identity.js";
import type { OutboxStatus } from "../../shared/outbox.js";
import type { Id, Timestamp } from "./columns.js";
import type { PrincipalKind } from "./identity.js";

/** E-mail settings and outbox, one-time account links, licenses and announcements. */

export interface EmailSettingsTable {
  id: Id;
  org_id: number | null;
  /** `custom` for the host row; `inherit` or `custom` for an organization. */
  mode: "inherit" | "custom";
  /** The non-secret fields as JSON (see services/email/settings.ts). */
  settings_json: string;
  /** Secrets, encrypted under the master key. */
  smtp_password_enc: string | null;
  oauth_client_secret_enc: string | null;
  updated_at: Timestamp;
  updated_by: string;
}

export interface EmailOutboxTable {
  id: Id;
  /** The organization whose effective settings send this mail; null = host settings. */
  org_id: number | null;
  template: string;
  locale: Locale;
  to_address: string;
  to_name: string | null;
  data_json: string;
  /** The rendered subject, kept for lists. */
  subject: string | null;
  status: OutboxStatus;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  retry_until: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  last_smtp_code: number | null;
  message_id: string | null;
  settings_source: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AccountTokenTable {
  id: Id;
  token_hash: string;
  purpose: "password-reset" | "invitation";
  principal_kind: PrincipalKind;
  principal_id: number;
  org_id: number | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export interface TenantLicenseTable {
  tenant_id: number;
  robot_slots: number;
  expires_at: Timestamp | null;
  notified_stage: string | null;
  updated_at: Timestamp;
}

export interface AnnouncementTable {
  id: Id;
  kind: "product-update" | "planned-maintenance";
  subject_en: string;
  body_en: string;
  subject_de: string;
  body_de: string;
  /** JSON array of organization ids; null = every organization. */
  org_ids_json: string | null;
  created_by: string;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  recipient_count: number | null;
}

/** An organization's run of failed e-mail sends (migration 0025; the email-delivery-failing alert). */
export interface EmailDeliveryHealthTable {
  org_id: number;
  failures: number;
  /** Since when delivery counts as failing (the alert was raised then); null while it works. */
  failing_since: string | null;
  last_error: string | null;
  updated_at: string;
}

export type EmailOutboxRow = Selectable<EmailOutboxTable>;
export type EmailSettingsRow = Selectable<EmailSettingsTable>;
