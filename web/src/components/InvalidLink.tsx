import { Alert, Stack, Text } from "@mantine/core";
import { IconLinkOff } from "@tabler/icons-react";
import type { ReactNode } from "react";

/** A one-time link that is invalid, expired or already used: say so, and offer what helps. */
export function InvalidLink({ title, body, action }: { title: string; body: string; action?: ReactNode }) {
  return (
    <Stack gap="md" data-testid="invalid-link">
      <Alert color="red" variant="light" icon={<IconLinkOff />} title={title}>
        <Text size="sm">{body}</Text>
      </Alert>
      {action}
    </Stack>
  );
}
