import { Anchor, Box, Button, Center, Group, Paper, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconRefresh, IconTool } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { ApiError } from "../api/client";
import { useFormat } from "../lib/format";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { Logo } from "./Logo";

/** Full-page notice shown while the installation (or the user's tenant) is under maintenance. */
export function MaintenanceScreen({
  error,
  retrying,
  onRetry,
  onDismiss,
}: {
  error: ApiError;
  retrying: boolean;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  // The end the administrator announced (the problem's `expectedEndAt`); without one no time is promised.
  const expectedEndAt = typeof error.problem.expectedEndAt === "string" ? error.problem.expectedEndAt : null;
  return (
    // A fixed layer above everything (modals and notifications of the app stay mounted underneath).
    <Box
      pos="fixed"
      inset={0}
      style={{ zIndex: 1000, overflowY: "auto" }}
      bg="var(--mantine-color-gray-0)"
      role="main"
      data-testid="maintenance-page"
    >
      <Group justify="space-between" px="xl" py="md">
        <Logo />
        <LanguageSwitcher />
      </Group>
      <Center px="md" py={60}>
        <Paper withBorder radius="lg" p={40} maw={520} w="100%" shadow="sm">
          <Stack align="center" gap="lg" ta="center">
            <ThemeIcon size={72} radius={36} variant="light" color="orange">
              <IconTool size={38} />
            </ThemeIcon>
            <Title order={1} fz={26}>
              {t("maintenanceScreen.title")}
            </Title>
            <Text c="dimmed">{t("maintenanceScreen.body")}</Text>
            {error.detail ? (
              <Paper bg="var(--mantine-color-orange-0)" p="sm" radius="md" w="100%">
                <Text size="sm" data-testid="maintenance-detail">
                  {error.detail}
                </Text>
              </Paper>
            ) : null}
            <Text size="sm" c="dimmed" data-testid="maintenance-expected-end">
              {expectedEndAt
                ? t("maintenanceScreen.expectedEnd", {
                    time: format.dateTime(expectedEndAt),
                    count: Math.max(1, Math.round((Date.parse(expectedEndAt) - Date.now()) / 60_000)),
                  })
                : t("maintenanceScreen.noExpectedEnd")}
            </Text>
            <Button
              size="md"
              leftSection={<IconRefresh size={18} />}
              loading={retrying}
              onClick={onRetry}
              data-testid="maintenance-retry"
            >
              {t("maintenanceScreen.retry")}
            </Button>
            <Anchor
              component="button"
              type="button"
              size="sm"
              c="dimmed"
              onClick={() => {
                onDismiss();
                void navigate("/login?as=admin");
              }}
            >
              {t("maintenanceScreen.adminSignIn")}
            </Anchor>
          </Stack>
        </Paper>
      </Center>
    </Box>
  );
}
