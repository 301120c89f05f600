import { EmptyState } from "@mantine/core";
import type { ReactNode } from "react";

/** The empty state of a list: an icon, what is missing, and usually the button that creates the first one. */
export function EmptyPanel({
  icon,
  title,
  description,
  action,
  testId,
}: {
  icon: ReactNode;
  title: string;
  description?: string;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <EmptyState
      py={48}
      px="md"
      icon={icon}
      variant="light"
      title={title}
      description={description}
      data-testid={testId}
    >
      {action ? <EmptyState.Actions>{action}</EmptyState.Actions> : null}
    </EmptyState>
  );
}
