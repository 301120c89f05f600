import { Code, Select, Stack, Switch, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { showNestedErrors } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { type CallMode, callModes, type HttpMethod, httpMethods, type Trigger, triggersApi } from "./api";
import { JobSettingsFields, jobSettingsBody, NameAndProcess, sharedFields, useJobSettings } from "./TriggerFormParts";

const FIELDS = [...sharedFields, "slug", "method", "callMode"] as const;

/**
 * Create or edit an HTTP (API) trigger: its address (tenant-unique slug and method), how a call is
 * answered (call mode), the process and the settings of the job each call starts.
 */
export function HttpTriggerForm({
  folderId,
  trigger,
  onClose,
}: {
  folderId: number;
  trigger: Trigger | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const state = useJobSettings(trigger);
  const [slug, setSlug] = useState(trigger?.slug ?? "");
  const [method, setMethod] = useState<HttpMethod>((trigger?.method as HttpMethod | null) ?? "POST");
  const [callMode, setCallMode] = useState<CallMode>((trigger?.callMode as CallMode | null) ?? "asyncRequestReply");
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "inputArguments"),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const shared = jobSettingsBody(state, t("validation.required"), t("automation.invalidJson"));
    const local = "errors" in shared ? shared.errors : {};
    if (!slug.trim()) local.slug = t("validation.required");
    if (Object.keys(local).length || "errors" in shared) return invalid(local);
    const body = { ...shared.body, slug: slug.trim(), method, callMode };
    await run(async () => {
      if (trigger) await api.update(trigger.id, body);
      else await api.createHttp(folderId, body);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "triggers") });
      notifications.show({
        color: "teal",
        message: trigger ? t("common.saved") : t("triggers.created", { name: body.name }),
      });
      onClose();
    });
  };

  const address = `${window.location.origin}/api/v1/orgs/${ctx.org}/tenants/${ctx.tenantId}/triggers/http/${slug.trim() || "…"}`;

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="http-trigger-form">
      <Stack gap="md">
        <NameAndProcess folderId={folderId} state={state} errors={errors}>
          <TextInput
            name="slug"
            label={t("triggers.slug")}
            description={t("triggers.slugHint")}
            value={slug}
            onChange={(e) => {
              setSlug(e.currentTarget.value);
              errors.clearField("slug");
            }}
            error={errors.fieldErrors.slug}
            required
            data-testid="trigger-slug"
          />
          <Select
            name="method"
            label={t("triggers.method")}
            data={httpMethods.map((m) => ({ value: m, label: m }))}
            value={method}
            onChange={(v) => setMethod((v as HttpMethod | null) ?? "POST")}
            allowDeselect={false}
            error={errors.fieldErrors.method}
            data-testid="trigger-method"
          />
        </NameAndProcess>
        <Select
          name="callMode"
          label={t("triggers.callMode")}
          description={t(`triggers.callModeHint.${callMode}`)}
          data={callModes.map((m) => ({ value: m, label: t(`triggers.callModes.${m}`) }))}
          value={callMode}
          onChange={(v) => setCallMode((v as CallMode | null) ?? "asyncRequestReply")}
          allowDeselect={false}
          error={errors.fieldErrors.callMode}
          data-testid="trigger-call-mode"
        />
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            {t("triggers.httpAddress")}
          </Text>
          <Code block data-testid="trigger-address">
            {method} {address}
          </Code>
        </Stack>
        <JobSettingsFields folderId={folderId} state={state} errors={errors} />
        <Switch
          label={t("triggers.enabled")}
          checked={state.enabled}
          onChange={(e) => state.setEnabled(e.currentTarget.checked)}
        />
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={trigger ? t("common.save") : t("triggers.create")}
          testId="trigger-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}
