import { Box, Center, Group, Paper, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { Logo } from "./Logo";

/** The frame of the pages anyone may open: sign-in, password recovery, invitations. */
export function PublicLayout({ children, footer }: { children: ReactNode; footer?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Box
      mih="100vh"
      style={{
        background:
          "radial-gradient(1200px 500px at 15% -10%, var(--mantine-color-indigo-1), transparent), radial-gradient(900px 500px at 110% 110%, var(--mantine-color-violet-1), transparent), var(--mantine-color-gray-0)",
      }}
    >
      <Group justify="flex-end" px="xl" py="md">
        <LanguageSwitcher />
      </Group>
      <Center px="md" pb={80} pt={20}>
        <Stack w="100%" maw={440} gap="xl">
          <Stack align="center" gap={8}>
            <Logo size={40} />
            <Text c="dimmed" size="sm" ta="center">
              {t("login.tagline")}
            </Text>
          </Stack>
          <Paper withBorder shadow="md" radius="lg" p={32}>
            {children}
          </Paper>
          {footer}
        </Stack>
      </Center>
    </Box>
  );
}
