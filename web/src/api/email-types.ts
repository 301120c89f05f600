/** The API's shapes of the system e-mail (settings, tests, outbox, status): src/shared/api/email.ts, see docs/email.md. */

import type { EmailSettings } from "../../../src/shared/api/email";

export type {
  EmailAuthMethod,
  EmailPreset,
  EmailSettings,
  EmailSettingsInput,
  EmailSettingsMode,
  EmailSettingsView,
  EmailStatus,
  EmailTestResult,
  EmailTestStage,
  EmailWarning,
  HostEmailSettings,
  OrgEmailSettings,
  OutboxMessage,
  OutboxMessageDetail,
  RenderedEmail,
  TlsMode,
} from "../../../src/shared/api/email";
export { emailTestStages } from "../../../src/shared/api/email";
export type { OutboxStatus } from "../../../src/shared/outbox";

export type EmailProvider = EmailSettings["provider"];

export { outboxStatuses as outboxStatusList } from "../../../src/shared/outbox";
