import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { EmailTestStage, OutboxStatus } from "../../api/types";

const templateNames = [
  "test-email",
  "password-reset",
  "password-changed",
  "invitation",
  "license-expiring",
  "license-expired",
  "announcement",
  "maintenance-started",
  "maintenance-ended",
] as const;
type TemplateName = (typeof templateNames)[number];

function isTemplate(value: string): value is TemplateName {
  return (templateNames as readonly string[]).includes(value);
}

/** The human name of an e-mail template (`password-reset` → "Password reset"); unknown ones as they are. */
export function useTemplateLabel(): (template: string) => string {
  const { t } = useTranslation();
  return (template) => (isTemplate(template) ? t(`email.templates.${template}`) : template);
}

export const outboxStatusColor: Record<OutboxStatus, string> = {
  queued: "blue",
  sending: "cyan",
  sent: "teal",
  failed: "red",
  held: "yellow",
};

export function OutboxStatusBadge({ status }: { status: OutboxStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      variant={status === "failed" ? "filled" : "light"}
      color={outboxStatusColor[status]}
      data-status={status}
      style={{ minWidth: "max-content" }}
      data-testid="outbox-status"
    >
      {t(`email.status.${status}`)}
    </Badge>
  );
}

export function useStageLabel(): (stage: EmailTestStage) => string {
  const { t } = useTranslation();
  return (stage) => t(`email.stages.${stage}`);
}

const warningCodes = [
  "gmail-from-differs",
  "port-465-starttls",
  "port-587-implicit",
  "credentials-without-tls",
  "port-25",
  "invalid-certificates-allowed",
] as const;
type WarningCode = (typeof warningCodes)[number];

/** A save warning in the UI's language (by its code), or the server's own sentence for new codes. */
export function useWarningText(): (warning: { code: string; message: string }) => string {
  const { t } = useTranslation();
  return (warning) =>
    (warningCodes as readonly string[]).includes(warning.code)
      ? t(`email.warnings.${warning.code as WarningCode}`)
      : warning.message;
}
