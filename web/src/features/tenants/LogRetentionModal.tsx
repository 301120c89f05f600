import { Modal, NumberInput, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Tenant } from "../../api/types";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useOpenKey } from "../../lib/useOpenKey";

const FIELDS = ["logRetentionDays"] as const;
/** The range the tenant API accepts (`logRetentionDays`). */
const MIN_DAYS = 1;
const MAX_DAYS = 3650;

function LogRetentionForm({
  tenant,
  onSave,
  onClose,
}: {
  tenant: Tenant;
  onSave: (days: number) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [days, setDays] = useState<number | string>(tenant.logRetentionDays);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (typeof days !== "number" || !Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
      invalid({ logRetentionDays: t("validation.range", { min: MIN_DAYS, max: MAX_DAYS }) });
      return;
    }
    if (await run(() => onSave(days))) {
      notifications.show({ color: "teal", message: t("tenants.retentionSaved", { name: tenant.name, count: days }) });
      onClose();
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="log-retention-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t("tenants.retentionHint")}
        </Text>
        <NumberInput
          name="logRetentionDays"
          label={t("tenants.retentionLabel")}
          description={t("tenants.retentionRange", { min: MIN_DAYS, max: MAX_DAYS })}
          value={days}
          onChange={(value) => {
            setDays(value);
            errors.clearField("logRetentionDays");
          }}
          min={MIN_DAYS}
          max={MAX_DAYS}
          allowDecimal={false}
          allowNegative={false}
          // Out-of-range values stay as typed so the error explains them instead of a silent change.
          clampBehavior="none"
          error={errors.fieldErrors.logRetentionDays}
          data-autofocus
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <FormButtons onCancel={onClose} pending={pending} testId="log-retention-save" />
      </Stack>
    </form>
  );
}

/** How long a tenant keeps job logs; `onSave` sends `logRetentionDays` to the tenant API. */
export function LogRetentionModal({
  tenant,
  onSave,
  onClose,
}: {
  tenant: Tenant | null;
  onSave: (days: number) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const key = useOpenKey(tenant !== null);
  return (
    <Modal
      opened={tenant !== null}
      onClose={onClose}
      centered
      title={tenant ? t("tenants.retentionTitle", { name: tenant.name }) : ""}
    >
      {tenant ? <LogRetentionForm key={key} tenant={tenant} onSave={onSave} onClose={onClose} /> : null}
    </Modal>
  );
}
