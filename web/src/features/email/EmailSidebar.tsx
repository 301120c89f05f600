import { Alert, Button, List, Paper, Select, Stack } from "@mantine/core";
import { IconAlertTriangle, IconInfoCircle, IconSend } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { EmailPreset, EmailProvider } from "../../api/types";
import { SectionTitle } from "./EmailFormFields";
import { providerLabel } from "./emailFormModel";
import { useWarningText } from "./labels";
import type { EmailForm } from "./useEmailForm";

/** The column beside the form: provider presets, the test e-mail, and the stored settings' warnings. */
export function EmailSidebar({
  form,
  presets,
  onTest,
}: {
  form: EmailForm;
  presets: EmailPreset[] | undefined;
  onTest: () => void;
}) {
  const { t } = useTranslation();
  const warningText = useWarningText();
  const preset = presets?.find((p) => p.id === form.values.provider) ?? null;
  return (
    <Stack gap="lg" style={{ position: "sticky", top: 80 }}>
      <Paper withBorder radius="md" p="lg">
        <Stack gap="sm">
          <SectionTitle title={t("email.presetTitle")} description={t("email.presetHint")} />
          <Select
            name="provider"
            aria-label={t("email.fields.provider")}
            data={[
              { value: "custom", label: t("email.providers.custom") },
              ...(presets ?? []).map((p) => ({ value: p.id, label: providerLabel(p, t) })),
            ]}
            value={form.values.provider}
            onChange={(id) => form.applyPreset(presets?.find((p) => p.id === id))}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            data-testid="email-preset"
          />
          {preset ? <PresetNotes preset={preset} /> : null}
        </Stack>
      </Paper>
      <Paper withBorder radius="md" p="lg">
        <Stack gap="sm">
          <SectionTitle title={t("email.test.title")} description={t("email.test.cardHint")} />
          <Button variant="light" leftSection={<IconSend size={18} />} onClick={onTest} data-testid="email-test-open">
            {t("email.test.button")}
          </Button>
        </Stack>
      </Paper>
      {form.warnings.length > 0 ? (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle />}
          title={t("email.warningsTitle", { count: form.warnings.length })}
          data-testid="email-warnings"
        >
          <List size="sm" spacing={4}>
            {form.warnings.map((w) => (
              <List.Item key={w.code}>{warningText(w)}</List.Item>
            ))}
          </List>
        </Alert>
      ) : null}
    </Stack>
  );
}

/** A preset's known pitfalls, in the UI's language where Dirigent knows them (else as the server sent them). */
function PresetNotes({ preset }: { preset: EmailPreset }) {
  const { t } = useTranslation();
  const translated: Partial<Record<EmailProvider, string>> = {
    gmail: t("email.presetNotes.gmail"),
    microsoft365: t("email.presetNotes.microsoft365"),
    ses: t("email.presetNotes.ses"),
    sendgrid: t("email.presetNotes.sendgrid"),
    mailgun: t("email.presetNotes.mailgun"),
  };
  const notes = translated[preset.id]?.split("\n") ?? preset.notes;
  if (notes.length === 0) return null;
  return (
    <Alert color="blue" variant="light" icon={<IconInfoCircle />} p="sm" data-testid="email-preset-notes">
      <List size="sm" spacing={6} style={{ overflowWrap: "anywhere" }}>
        {notes.map((note) => (
          <List.Item key={note}>{note}</List.Item>
        ))}
      </List>
    </Alert>
  );
}
