import { useTranslation } from "react-i18next";
import { jobReasonText } from "../../../src/shared/job-reasons";
import { triggerReasonText } from "../../../src/shared/trigger-reasons";

/**
 * Texts the server stores as codes (audit components and actions, permission resources,
 * predefined role names, job timeline reasons) in the reader's language. A code this version
 * does not know is shown as it is.
 */
export function useServerText() {
  const { t, i18n } = useTranslation();
  // The keys are data, not literals: the typed `t` cannot check them, the fallback covers unknown ones.
  const lookup = t as unknown as (key: string, options: { defaultValue: string }) => string;
  const locale = i18n.resolvedLanguage === "de" ? "de" : "en";
  return {
    auditComponent: (value: string) => lookup(`serverText.auditComponent.${value}`, { defaultValue: value }),
    /**
     * An outbox message's last error: the sender's two fixed sentences (src/background/mailer.ts)
     * in the reader's language; an SMTP server's own answer stays as the server wrote it.
     */
    outboxError: (value: string) =>
      value === "E-mail is not configured."
        ? t("serverText.outboxError.notConfigured")
        : value === "The sender stopped while sending; sending again."
          ? t("serverText.outboxError.senderStopped")
          : value === "The installation's e-mail server could not deliver this message."
            ? t("serverText.outboxError.hostFailed")
            : value,
    /** What an audit entry is about (`job`, `organization`). */
    targetType: (value: string) => lookup(`serverText.targetType.${value}`, { defaultValue: value }),
    auditAction: (value: string) => lookup(`serverText.auditAction.${value}`, { defaultValue: value }),
    /** `jobs` → "Jobs", `jobs.view` → "Jobs: Ansehen". */
    permission: (value: string) => {
      const [resource = value, action] = value.split(".");
      const r = lookup(`serverText.resource.${resource}`, { defaultValue: resource });
      return action ? `${r}: ${lookup(`roles.action.${action}`, { defaultValue: action })}` : r;
    },
    /** A predefined role's name in the reader's language; custom roles keep the name they were given. */
    roleName: (role: { name: string; predefinedKey?: string | null }) => {
      const key = role.predefinedKey ?? predefinedRoleKeys[role.name];
      return key ? lookup(`serverText.roleName.${key}`, { defaultValue: role.name }) : role.name;
    },
    jobReason: (entry: {
      reason: string | null;
      reasonCode?: string | null;
      reasonParams?: Record<string, string | number | null> | null;
    }) =>
      (entry.reasonCode ? jobReasonText(entry.reasonCode, entry.reasonParams ?? null, locale) : null) ?? entry.reason,
    /** Why a trigger turned itself off, from its code; older triggers without a code keep their English text. */
    triggerDisabledReason: (tr: {
      disabledReason: string | null;
      disabledReasonCode?: string | null;
      disabledReasonParams?: Record<string, string | number | null> | null;
    }) =>
      (tr.disabledReasonCode
        ? triggerReasonText(tr.disabledReasonCode, tr.disabledReasonParams ?? null, locale)
        : null) ?? tr.disabledReason,
  };
}

/**
 * The predefined roles by their (English, reserved) names, for answers that carry only a role's
 * name (assignments); src/domain/permissions.ts defines them and refuses these names for custom roles.
 */
const predefinedRoleKeys: Record<string, string> = {
  "Tenant Administrator": "tenant-administrator",
  "Tenant Viewer": "tenant-viewer",
  "Folder Administrator": "folder-administrator",
  "Automation Developer": "automation-developer",
  "Automation User": "automation-user",
  Viewer: "viewer",
};
