import { Button, Code, Group, Paper, Stack, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDeviceFloppy } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormError, PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { type WebhookHostSettings, webhookHostApi } from "../../features/webhooks/api";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";

function AllowListForm({ initial }: { initial: WebhookHostSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(["allowedHosts"]);
  const { pending, run } = useFormSubmit(errors, formRef);
  const [text, setText] = useState(initial.allowedHosts.join("\n"));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const allowedHosts = text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    await run(async () => {
      const saved = await webhookHostApi.update({ allowedHosts });
      queryClient.setQueryData(["host", "settings", "webhooks"], saved);
      setText(saved.allowedHosts.join("\n"));
      notifications.show({ color: "teal", message: t("common.saved") });
    });
  };
  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="webhook-settings-form">
      <Stack gap="md">
        <Textarea
          name="allowedHosts"
          label={t("webhooks.allowList")}
          description={t("webhooks.allowListHint")}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          autosize
          minRows={4}
          error={errors.fieldErrors.allowedHosts}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
        />
        <Text size="sm" c="dimmed">
          {t("webhooks.allowListEnv")}{" "}
          {initial.environmentAllowedHosts.length ? (
            <Code>{initial.environmentAllowedHosts.join(", ")}</Code>
          ) : (
            t("webhooks.allowListEnvNone")
          )}
        </Text>
        <FormError message={errors.formError} />
        <Group>
          <Button
            type="submit"
            loading={pending}
            leftSection={<IconDeviceFloppy size={18} />}
            data-testid="save-allow-list"
          >
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Host setting: which non-public webhook targets are allowed (the SSRF guard's allow-list). */
export default function WebhookSettingsPage() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: ["host", "settings", "webhooks"], queryFn: webhookHostApi.settings });
  return (
    <>
      <PageHeader title={t("webhooks.hostTitle")} description={t("webhooks.hostDescription")} />
      <Paper withBorder p="lg" radius="md">
        {query.isLoading ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.data ? <AllowListForm initial={query.data} /> : null}
      </Paper>
    </>
  );
}
