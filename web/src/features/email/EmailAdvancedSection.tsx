import {
  Badge,
  Box,
  Collapse,
  Divider,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { IconChevronDown, IconChevronRight, IconShieldExclamation } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { EmailAuthMethod, HostEmailSettings, TlsMode } from "../../api/types";
import { SegmentedField } from "../../components/SegmentedField";
import { EmailNumberField, EmailTextField, FieldWarnings, SecretField } from "./EmailFormFields";
import type { EmailForm } from "./useEmailForm";

/**
 * The extras beyond the seed's fields, folded away: TLS details, addresses, OAuth 2.0 and limits.
 * The section opens by itself when one of its fields has a warning or an error.
 */
export function EmailAdvancedSection({ form, initial }: { form: EmailForm; initial: HostEmailSettings }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" p={0}>
      <UnstyledButton
        w="100%"
        px="lg"
        py="md"
        onClick={form.toggleAdvanced}
        aria-expanded={form.advancedOpened}
        data-testid="email-advanced-toggle"
      >
        <Group justify="space-between" wrap="nowrap">
          <div>
            <Title order={3} fz="md">
              {t("email.advanced")}
            </Title>
            <Text size="sm" c="dimmed">
              {t("email.advancedHint")}
            </Text>
          </div>
          {form.advancedOpened ? <IconChevronDown size={18} /> : <IconChevronRight size={18} />}
        </Group>
      </UnstyledButton>
      <Collapse expanded={form.advancedOpened}>
        <Stack gap="lg" px="lg" pb="lg" data-testid="email-advanced">
          <TlsFields form={form} />
          <Divider label={t("email.addressesSection")} labelPosition="left" />
          <EmailTextField form={form} name="replyTo" type="email" />
          <EmailTextField form={form} name="envelopeSender" type="email" />
          <AuthFields form={form} initial={initial} />
          <LimitFields form={form} />
        </Stack>
      </Collapse>
    </Paper>
  );
}

function TlsFields({ form }: { form: EmailForm }) {
  const { t } = useTranslation();
  const { values } = form;
  const fe = form.errors.fieldErrors;
  return (
    <>
      <Divider label={t("email.tlsSection")} labelPosition="left" />
      <Box>
        <SegmentedField<TlsMode>
          name="tlsMode"
          label={t("email.fields.tlsMode")}
          description={t("email.help.tlsMode")}
          value={values.tlsMode}
          onChange={(value) => form.edit("tlsMode", value)}
          error={fe.tlsMode}
          disabled={!values.secureConnection}
          data={[
            { value: "auto", label: t("email.tlsModes.auto") },
            { value: "starttls", label: t("email.tlsModes.starttls") },
            { value: "implicit", label: t("email.tlsModes.implicit") },
          ]}
          testId="tlsMode"
        />
        <FieldWarnings form={form} field="tlsMode" />
      </Box>
      <Textarea
        name="caCertificatePem"
        label={t("email.fields.caCertificatePem")}
        description={t("email.help.caCertificatePem")}
        placeholder={"-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----"}
        value={values.caCertificatePem}
        onChange={(e) => form.setFieldValue("caCertificatePem", e.currentTarget.value)}
        error={fe.caCertificatePem}
        autosize
        minRows={3}
        maxRows={10}
        spellCheck={false}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } }}
      />
      <EmailTextField form={form} name="tlsServername" />
      <Paper
        radius="md"
        p="md"
        withBorder
        style={{
          borderColor: "var(--mantine-color-red-3)",
          background: values.allowInvalidCertificates ? "var(--mantine-color-red-0)" : undefined,
        }}
      >
        <Switch
          name="allowInvalidCertificates"
          color="red"
          label={
            <Group gap={6} wrap="nowrap">
              <IconShieldExclamation size={16} color="var(--mantine-color-red-7)" />
              <Text size="sm" fw={600} c="red.8">
                {t("email.fields.allowInvalidCertificates")}
              </Text>
              <Badge color="red" size="xs" variant="filled">
                {t("email.dangerous")}
              </Badge>
            </Group>
          }
          description={t("email.help.allowInvalidCertificates")}
          checked={values.allowInvalidCertificates}
          onChange={(e) => form.edit("allowInvalidCertificates", e.currentTarget.checked)}
          error={fe.allowInvalidCertificates}
        />
        <FieldWarnings form={form} field="allowInvalidCertificates" />
      </Paper>
    </>
  );
}

function AuthFields({ form, initial }: { form: EmailForm; initial: HostEmailSettings }) {
  const { t } = useTranslation();
  return (
    <>
      <Divider label={t("email.authSection")} labelPosition="left" />
      <SegmentedField<EmailAuthMethod>
        name="authMethod"
        label={t("email.fields.authMethod")}
        description={t("email.help.authMethod")}
        value={form.values.authMethod}
        onChange={(value) => form.setFieldValue("authMethod", value)}
        error={form.errors.fieldErrors.authMethod}
        data={[
          { value: "password", label: t("email.authMethods.password") },
          { value: "oauth2", label: t("email.authMethods.oauth2") },
        ]}
        testId="authMethod"
      />
      {form.values.authMethod === "oauth2" ? (
        <Stack gap="md" data-testid="oauth-fields">
          <EmailTextField
            form={form}
            name="oauthTokenUrl"
            label={t("email.fields.oauthTokenUrl")}
            description={t("email.help.oauthTokenUrl")}
            placeholder="https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token"
          />
          <EmailTextField form={form} name="oauthClientId" />
          <SecretField
            form={form}
            name="oauthClientSecret"
            stored={initial.hasOauthClientSecret}
            testPrefix="oauth-secret"
            texts={{
              stored: t("email.secretStored"),
              removing: t("email.secretRemoving"),
              remove: t("email.removeSecret"),
            }}
          />
          <EmailTextField form={form} name="oauthScope" />
        </Stack>
      ) : null}
    </>
  );
}

function LimitFields({ form }: { form: EmailForm }) {
  const { t } = useTranslation();
  return (
    <>
      <Divider label={t("email.limitsSection")} labelPosition="left" />
      <Text size="xs" c="dimmed" mt={-8}>
        {t("email.help.timeouts")}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <EmailNumberField form={form} name="connectionTimeoutMs" unit="ms" />
        <EmailNumberField form={form} name="greetingTimeoutMs" label={t("email.fields.greetingTimeoutMs")} unit="ms" />
        <EmailNumberField form={form} name="socketTimeoutMs" label={t("email.fields.socketTimeoutMs")} unit="ms" />
      </SimpleGrid>
      <EmailNumberField
        form={form}
        name="rateLimitPerMinute"
        description={t("email.help.rateLimit")}
        placeholder={t("email.noLimit")}
        unit={t("email.perMinute")}
        maw={320}
      />
    </>
  );
}
