import { Button, Grid, Group, Paper, Stack, Text } from "@mantine/core";
import { IconDeviceFloppy } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EmailEndpoints } from "../../api/endpoints";
import type { EmailSettingsInput, HostEmailSettings } from "../../api/types";
import { FormError } from "../../components/feedback";
import { type FieldErrors, focusFirstInvalid, normalizePath } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { EmailAdvancedSection } from "./EmailAdvancedSection";
import { EmailServerSection } from "./EmailServerSection";
import { EmailSidebar } from "./EmailSidebar";
import { EMAIL_FIELDS, fieldLabels } from "./emailFormModel";
import { TestEmailModal } from "./TestEmailModal";
import { useEmailForm } from "./useEmailForm";

export { EMAIL_FIELDS } from "./emailFormModel";

export interface EmailSettingsFormProps {
  /** The stored settings with the server's warnings; the form starts from them (passwords never). */
  initial: HostEmailSettings;
  endpoints: EmailEndpoints;
  /** Saves the body (the whole form; secrets only when typed or removed); answers the stored state. */
  onSave: (body: EmailSettingsInput) => Promise<HostEmailSettings>;
  /** Prefilled recipient of the test e-mail (the signed-in administrator's address). */
  defaultRecipient: string;
  /** Shown above the save button (e.g. "saving switches this organization to custom SMTP"). */
  notice?: ReactNode;
  saveLabel?: string;
}

/**
 * The SMTP settings form of the host and of organizations: the seed's fields in the seed's order,
 * the Enabled switch, and the extras in a separate "Advanced" section. Warnings of the stored
 * settings appear in yellow beside the field they concern; validation errors in red.
 */
export function EmailSettingsForm({
  initial,
  endpoints,
  onSave,
  defaultRecipient,
  notice,
  saveLabel,
}: EmailSettingsFormProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const formRef = useRef<HTMLFormElement>(null);
  const form = useEmailForm(initial);
  const { errors, values } = form;
  const [pending, setPending] = useState(false);
  const [testOpened, setTestOpened] = useState(false);
  const [recipient, setRecipient] = useState(defaultRecipient);
  const presets = useQuery({
    queryKey: [...endpoints.key, "presets"],
    queryFn: endpoints.presets,
    staleTime: Infinity,
  });

  /** Field errors beside their fields, the "Advanced" section opened for them, the first one focused. */
  const placeErrors = (placed: FieldErrors) => {
    form.revealAdvanced(Object.keys(placed));
    // The advanced section may be opening: focus once it is rendered.
    window.setTimeout(() => focusFirstInvalid(formRef.current, placed), 0);
  };

  const showInvalid = (invalid: FieldErrors) => {
    errors.setFormError(null);
    errors.setFieldErrors(invalid);
    placeErrors(invalid);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = form.build();
    if ("invalid" in built) {
      showInvalid(built.invalid);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      form.reset(await onSave(built.body));
    } catch (error) {
      placeErrors(errors.show(error));
    } finally {
      setPending(false);
    }
  };

  const openTest = () => {
    const built = form.build();
    if ("invalid" in built) {
      showInvalid(built.invalid);
      return;
    }
    setTestOpened(true);
  };

  /** Errors of the test request that concern the settings land next to the form's fields. */
  const showTestFieldErrors = (fieldErrors: { path: string; message: string }[]) => {
    const placed: FieldErrors = {};
    for (const e of fieldErrors) {
      const path = normalizePath(e.path).replace(/^settings\./, "");
      if ((EMAIL_FIELDS as readonly string[]).includes(path)) placed[path] ??= e.message;
    }
    if (Object.keys(placed).length > 0) {
      errors.setFieldErrors(placed);
      form.revealAdvanced(Object.keys(placed));
    }
  };

  const testSkipped = [
    ...(values.secureConnection ? [] : (["tls"] as const)),
    ...(values.smtpUsername.trim() || values.authMethod === "oauth2" ? [] : (["auth"] as const)),
  ];

  return (
    <>
      <form ref={formRef} onSubmit={submit} noValidate data-testid="email-settings-form">
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Stack gap="lg">
              <EmailServerSection form={form} initial={initial} />
              <EmailAdvancedSection form={form} initial={initial} />
            </Stack>
          </Grid.Col>

          <Grid.Col span={{ base: 12, lg: 4 }}>
            <EmailSidebar form={form} presets={presets.data?.items} onTest={openTest} />
          </Grid.Col>
        </Grid>

        <Paper withBorder radius="md" p="md" mt="lg">
          <Stack gap="sm">
            <FormError message={errors.formError} type={errors.formErrorType} />
            {notice}
            <Group justify="space-between" wrap="wrap" gap="sm">
              <Text size="xs" c="dimmed" data-testid="email-updated">
                {initial.updatedAt
                  ? t("email.lastSaved", { date: format.dateTime(initial.updatedAt), name: initial.updatedBy ?? "—" })
                  : t("email.neverSaved")}
              </Text>
              <Group gap="sm">
                <Button
                  type="submit"
                  leftSection={<IconDeviceFloppy size={18} />}
                  loading={pending}
                  data-testid="email-save"
                >
                  {saveLabel ?? t("common.save")}
                </Button>
              </Group>
            </Group>
          </Stack>
        </Paper>
      </form>
      <TestEmailModal
        opened={testOpened}
        onClose={() => setTestOpened(false)}
        defaultRecipient={recipient}
        onRecipient={setRecipient}
        skipped={testSkipped}
        send={(to) => {
          const built = form.build();
          if ("invalid" in built) throw new Error(t("email.test.fixFields"));
          return endpoints.test({ to, settings: built.body });
        }}
        onFieldErrors={showTestFieldErrors}
        fieldLabel={(name) => fieldLabels(t)[name] ?? name}
      />
    </>
  );
}
