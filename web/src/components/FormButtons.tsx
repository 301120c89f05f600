import { Button, Group, type GroupProps } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The buttons at the foot of a dialog form: Cancel, and the submit button (Save unless named). */
export function FormButtons({
  onCancel,
  pending,
  submitLabel,
  testId,
  gap = "sm",
}: {
  onCancel: () => void;
  pending: boolean;
  submitLabel?: string;
  testId?: string;
  gap?: GroupProps["gap"];
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap={gap}>
      <Button variant="default" onClick={onCancel} disabled={pending}>
        {t("common.cancel")}
      </Button>
      <Button type="submit" loading={pending} data-testid={testId}>
        {submitLabel ?? t("common.save")}
      </Button>
    </Group>
  );
}
