import { Button, Checkbox, Group, Modal, NumberInput, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { TenantLicense } from "../../api/types";
import { DateTimeInput } from "../../components/DateTimeInput";
import { FormError } from "../../components/feedback";
import { type FieldErrors, focusFirstInvalid, useFormErrors } from "../../lib/errors";
import { useOpenKey } from "../../lib/useOpenKey";

const FIELDS = ["robotSlots", "expiresAt"] as const;

/** `2025-06-30` in the browser's time zone ⇄ the end of that day as ISO-8601. */
function dateToIso(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function isoToDate(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function LicenseForm({ license, onClose }: { license: TenantLicense; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [slots, setSlots] = useState<number | string>(license.robotSlots ?? 0);
  const [noExpiry, setNoExpiry] = useState(license.expiresAt === null);
  const [date, setDate] = useState(isoToDate(license.expiresAt));
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (typeof slots !== "number" || !Number.isInteger(slots) || slots < 0 || slots > 100_000)
      local.robotSlots = t("validation.range", { min: 0, max: 100_000 });
    if (!noExpiry && !/^\d{4}-\d{2}-\d{2}$/.test(date)) local.expiresAt = t("licenses.dateRequired");
    if (Object.keys(local).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      await hostApi.updateLicense(license.tenantId, {
        robotSlots: slots as number,
        expiresAt: noExpiry ? null : dateToIso(date),
      });
      await queryClient.invalidateQueries({ queryKey: ["host", "licenses"] });
      notifications.show({ color: "teal", message: t("licenses.saved", { name: license.tenantName }) });
      onClose();
    } catch (error) {
      focusFirstInvalid(formRef.current, errors.show(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="license-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t("licenses.formHint")}
        </Text>
        <NumberInput
          name="robotSlots"
          label={t("licenses.robotSlots")}
          description={t("licenses.robotSlotsHint")}
          value={slots}
          onChange={(value) => {
            setSlots(value);
            errors.clearField("robotSlots");
          }}
          min={0}
          max={100_000}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          error={errors.fieldErrors.robotSlots}
          data-autofocus
        />
        <Stack gap="xs">
          <DateTimeInput
            name="expiresAt"
            kind="date"
            label={t("licenses.expiresAt")}
            description={t("licenses.expiresAtHint")}
            value={noExpiry ? "" : date}
            disabled={noExpiry}
            onChange={(v) => {
              setDate(v);
              errors.clearField("expiresAt");
            }}
            error={errors.fieldErrors.expiresAt}
          />
          <Checkbox
            label={t("licenses.noExpiryCheckbox")}
            checked={noExpiry}
            onChange={(e) => {
              setNoExpiry(e.currentTarget.checked);
              errors.clearField("expiresAt");
            }}
            data-testid="license-no-expiry"
          />
        </Stack>
        <FormError message={errors.formError} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={pending} data-testid="license-save">
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function LicenseModal({
  license,
  opened,
  onClose,
}: {
  license: TenantLicense | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const key = useOpenKey(opened);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      centered
      title={license ? t("licenses.editTitle", { name: `${license.orgName} / ${license.tenantName}` }) : ""}
    >
      {license ? <LicenseForm key={key} license={license} onClose={onClose} /> : null}
    </Modal>
  );
}
