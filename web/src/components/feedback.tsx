import { Alert, Button, Center, Group, Loader, Paper, Stack, Text } from "@mantine/core";
import { IconAlertTriangle, IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useErrorText } from "../lib/errors";

/** Centered spinner for a page or panel whose data is still loading. */
export function PageLoader({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py={60} role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader type="dots" />
        <Text size="sm" c="dimmed">
          {label ?? t("common.loading")}
        </Text>
      </Stack>
    </Center>
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
