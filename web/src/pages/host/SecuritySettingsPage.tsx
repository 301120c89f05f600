import { Button, Divider, Group, NumberInput, Paper, SimpleGrid, Stack, Switch, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDeviceFloppy } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { SecuritySettings } from "../../api/types";
import { FormError, PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../../lib/errors";

const FIELDS = [
  "passwordMinLength",
  "passwordRequireUppercase",
  "passwordRequireLowercase",
  "passwordRequireDigit",
  "passwordRequireSymbol",
  "lockoutThreshold",
  "lockoutMinutes",
] as const;

type BooleanKey =
  | "passwordRequireUppercase"
  | "passwordRequireLowercase"
  | "passwordRequireDigit"
  | "passwordRequireSymbol";
type NumberKey = "passwordMinLength" | "lockoutThreshold" | "lockoutMinutes";

const limits: Record<NumberKey, [number, number]> = {
  passwordMinLength: [8, 128],
  lockoutThreshold: [1, 100],
  lockoutMinutes: [1, 1440],
};

function SecurityForm({ initial }: { initial: SecuritySettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [values, setValues] = useState<Record<NumberKey, number | string> & Record<BooleanKey, boolean>>(initial);
  const dirty = FIELDS.some((key) => String(values[key]) !== String(initial[key]));

  const mutation = useMutation({
    mutationFn: hostApi.updateSecuritySettings,
    onSuccess: (saved) => {
      queryClient.setQueryData(["host", "settings", "security"], saved);
      notifications.show({ color: "teal", message: t("security.saved") });
    },
    onError: (error) => focusFirstInvalid(formRef.current, errors.show(error)),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    for (const [key, [min, max]] of Object.entries(limits) as [NumberKey, [number, number]][]) {
      const value = values[key];
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        local[key] = t("validation.range", { min, max });
      }
    }
    if (Object.keys(local).length) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    mutation.mutate({
      passwordMinLength: Number(values.passwordMinLength),
      passwordRequireUppercase: values.passwordRequireUppercase,
      passwordRequireLowercase: values.passwordRequireLowercase,
      passwordRequireDigit: values.passwordRequireDigit,
      passwordRequireSymbol: values.passwordRequireSymbol,
      lockoutThreshold: Number(values.lockoutThreshold),
      lockoutMinutes: Number(values.lockoutMinutes),
    });
  };

  const numberField = (key: NumberKey, label: string, description: string) => {
    const [min, max] = limits[key];
    return (
      <NumberInput
        name={key}
        label={label}
        description={description}
        min={min}
        max={max}
        allowDecimal={false}
        allowNegative={false}
        clampBehavior="none"
        value={values[key]}
        onChange={(value) => {
          setValues((v) => ({ ...v, [key]: value }));
          errors.clearField(key);
        }}
        error={errors.fieldErrors[key]}
        maw={320}
      />
    );
  };

  const switchField = (key: BooleanKey, label: string) => (
    <Switch
      name={key}
      label={label}
      checked={values[key]}
      onChange={(e) => {
        const checked = e.currentTarget.checked;
        setValues((v) => ({ ...v, [key]: checked }));
        errors.clearField(key);
      }}
      error={errors.fieldErrors[key]}
    />
  );

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="security-form">
      <Stack gap="lg">
        <Paper withBorder radius="md" p="lg">
          <Stack gap="md">
            <div>
              <Title order={3} fz="md">
                {t("security.passwordPolicy")}
              </Title>
              <Text size="sm" c="dimmed">
                {t("security.passwordPolicyHint")}
              </Text>
            </div>
            {numberField("passwordMinLength", t("security.minLength"), t("security.minLengthHint"))}
            <Divider />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {switchField("passwordRequireUppercase", t("security.requireUppercase"))}
              {switchField("passwordRequireLowercase", t("security.requireLowercase"))}
              {switchField("passwordRequireDigit", t("security.requireDigit"))}
              {switchField("passwordRequireSymbol", t("security.requireSymbol"))}
            </SimpleGrid>
          </Stack>
        </Paper>
        <Paper withBorder radius="md" p="lg">
          <Stack gap="md">
            <div>
              <Title order={3} fz="md">
                {t("security.lockout")}
              </Title>
              <Text size="sm" c="dimmed">
                {t("security.lockoutHint")}
              </Text>
            </div>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {numberField("lockoutThreshold", t("security.lockoutThreshold"), t("security.lockoutThresholdHint"))}
              {numberField("lockoutMinutes", t("security.lockoutMinutes"), t("security.lockoutMinutesHint"))}
            </SimpleGrid>
          </Stack>
        </Paper>
        <FormError message={errors.formError} type={errors.formErrorType} />
        <Group justify="flex-end">
          <Button
            type="submit"
            leftSection={<IconDeviceFloppy size={18} />}
            disabled={!dirty}
            loading={mutation.isPending}
            data-testid="security-save"
          >
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function SecuritySettingsPage() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: ["host", "settings", "security"], queryFn: hostApi.securitySettings });
  return (
    <>
      <PageHeader title={t("security.title")} description={t("security.description")} />
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data ? <SecurityForm key={JSON.stringify(query.data)} initial={query.data} /> : null}
    </>
  );
}
