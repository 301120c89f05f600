import { Alert, Button, Group, Paper, Skeleton, Stack, Text, VisuallyHidden } from "@mantine/core";
import { IconAlertTriangle, IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../lib/errors";

/**
 * A page or panel whose data is still loading: grey placeholder bars in the shape of a list
 * (skeletons, not a bare "Loading…"); screen readers hear `label`.
 */
export function PageLoader({ label, rows = 5 }: { label?: string; rows?: number }) {
  const { t } = useTranslation();
  return (
    <Stack p="md" gap="sm" role="status" aria-live="polite" aria-busy="true" data-testid="page-loader">
      <VisuallyHidden>{label ?? t("common.loading")}</VisuallyHidden>
      <Skeleton height={22} width="35%" radius="sm" />
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
        <Group key={i} gap="md" wrap="nowrap">
          <Skeleton height={16} width="28%" radius="sm" />
          <Skeleton height={16} width="18%" radius="sm" />
          <Skeleton height={16} width="40%" radius="sm" />
        </Group>
      ))}
    </Stack>
  );
}

/** A failed query: the reason and a retry button. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle />} title={t("errors.loadFailed")} role="alert">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{text(error)}</Text>
        {onRetry ? (
          <Button size="xs" variant="white" color="red" leftSection={<IconRefresh size={14} />} onClick={onRetry}>
            {t("common.retry")}
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}

/** Error of a whole form (everything that is not about one field). */
export function FormError({ message, title, type }: { message: string | null; title?: string; type?: string | null }) {
  const { t } = useTranslation();
  if (!message) return null;
  if (!title && type === "last-administrator") title = t("errors.lastAdministrator");
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle />}
      title={title ?? t("errors.title")}
      role="alert"
      data-testid="form-error"
    >
      <Text size="sm" style={{ whiteSpace: "pre-line" }}>
        {message}
      </Text>
    </Alert>
  );
}

/** A bordered surface around a table or form section. */
export function Panel({ children, title, actions }: { children: ReactNode; title?: ReactNode; actions?: ReactNode }) {
  return (
    <Paper withBorder radius="md" p={0} style={{ overflow: "hidden" }}>
      {title || actions ? (
        <Group
          justify="space-between"
          px="md"
          py="sm"
          style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
        >
          <Text fw={600}>{title}</Text>
          {actions ? <Group gap="xs">{actions}</Group> : null}
        </Group>
      ) : null}
      {children}
    </Paper>
  );
}
