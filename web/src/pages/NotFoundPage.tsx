import { Button, EmptyState } from "@mantine/core";
import { IconMapQuestion } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <EmptyState
      mt={80}
      icon={<IconMapQuestion size={36} />}
      variant="light"
      title={t("notFound.title")}
      description={t("notFound.body")}
    >
      <EmptyState.Actions>
        <Button component={Link} to="/">
          {t("notFound.home")}
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
