import { Button, Center } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function LoadMore({ hasMore, loading, onLoad }: { hasMore: boolean; loading: boolean; onLoad: () => void }) {
  const { t } = useTranslation();
  if (!hasMore) return null;
  return (
    <Center py="sm" style={{ borderTop: "1px solid var(--mantine-color-default-border)" }}>
      <Button variant="subtle" loading={loading} onClick={onLoad} data-testid="load-more">
        {t("common.loadMore")}
      </Button>
    </Center>
  );
}
