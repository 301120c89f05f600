import { Box, Paper, Stack, Switch, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { HostEmailSettings } from "../../api/types";
import { EmailNumberField, EmailTextField, FieldWarnings, SecretField, SectionTitle } from "./EmailFormFields";
import type { EmailForm } from "./useEmailForm";

/** The seed's fields in the seed's order (server, sender, security), then the Enabled switch. */
export function EmailServerSection({ form, initial }: { form: EmailForm; initial: HostEmailSettings }) {
  const { t } = useTranslation();
  const fe = form.errors.fieldErrors;
  return (
    <>
      <Paper withBorder radius="md" p="lg">
        <Stack gap="md">
          <SectionTitle title={t("email.serverSection")} description={t("email.serverSectionHint")} />
          <EmailTextField form={form} name="smtpHost" placeholder="smtp.example.com" />
          <EmailTextField form={form} name="smtpDomain" />
          <EmailNumberField form={form} name="smtpPort" placeholder="587" inputMaw={200} />
          <EmailTextField form={form} name="smtpUsername" autoComplete="off" />
          <SecretField
            form={form}
            name="smtpPassword"
            stored={initial.hasSmtpPassword}
            testPrefix="smtp-password"
            texts={{
              stored: t("email.passwordStored"),
              removing: t("email.passwordRemoving"),
              remove: t("email.removePassword"),
            }}
          />
          <EmailTextField form={form} name="fromAddress" placeholder="dirigent@example.com" type="email" />
          <EmailTextField form={form} name="fromDisplayName" placeholder={t("email.fromDisplayNamePlaceholder")} />
          <Box>
            <Switch
              name="secureConnection"
              label={t("email.fields.secureConnection")}
              description={t("email.help.secureConnection")}
              checked={form.values.secureConnection}
              onChange={(e) => form.edit("secureConnection", e.currentTarget.checked)}
              error={fe.secureConnection}
            />
            <FieldWarnings form={form} field="secureConnection" />
          </Box>
        </Stack>
      </Paper>

      <Paper withBorder radius="md" p="lg">
        <Switch
          name="enabled"
          size="md"
          label={<Text fw={600}>{t("email.fields.enabled")}</Text>}
          description={t("email.help.enabled")}
          checked={form.values.enabled}
          onChange={(e) => form.setFieldValue("enabled", e.currentTarget.checked)}
          error={fe.enabled}
          data-testid="email-enabled"
        />
      </Paper>
    </>
  );
}
