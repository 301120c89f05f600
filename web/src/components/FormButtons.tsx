import { Button, Group } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The buttons at the foot of a dialog form: Cancel, and the submit button (Save unless named). */
export function FormButtons({
  onCancel,
  pending,
  submitLabel,
  testId,
}: {
  onCancel: () => void;
  pending: boolean;
  submitLabel?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel} disabled={pending}>
        {t("common.cancel")}
      </Button>
      <Button type="submit" loading={pending} data-testid={testId}>
        {submitLabel ?? t("common.save")}
      </Button>
    </Group>
  );
}
