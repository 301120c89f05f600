import { Anchor, Badge, Group } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { PageLoader, QueryError } from "../../../components/feedback";
import { PageHeader } from "../../../components/PageHeader";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { bucketsApi } from "../../../features/buckets/api";
import { FileBrowser } from "../../../features/buckets/FileBrowser";

/** One bucket's files (`buckets/:id?prefix=`). */
export default function BucketFilesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const prefix = params.get("prefix") ?? "";
  const api = bucketsApi(ctx.org, ctx.tenantId);
  const query = useQuery({ queryKey: tenantKey(ctx, "buckets", Number(id)), queryFn: () => api.get(Number(id)) });
  if (query.isError) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageLoader />;
  const bucket = query.data;
  return (
    <>
      <Anchor component={Link} to={ctx.path(`buckets?folder=${bucket.folderId}`)} size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} />
          {t("buckets.back")}
        </Group>
      </Anchor>
      <PageHeader
        title={bucket.name}
        description={bucket.description ?? ctx.folderPath(bucket.folderId)}
        actions={
          <Group gap={6}>
            <Badge variant="light" color={bucket.provider === "s3" ? "orange" : "gray"} tt="none">
              {bucket.provider === "s3" ? t("buckets.providerS3") : t("buckets.providerLocal")}
            </Badge>
            {bucket.readOnly ? (
              <Badge variant="light" color="yellow" tt="none">
                {t("buckets.readOnlyBadge")}
              </Badge>
            ) : null}
          </Group>
        }
      />
      <FileBrowser
        bucket={bucket}
        prefix={prefix}
        onPrefix={(next) =>
          setParams((current) => {
            const out = new URLSearchParams(current);
            if (next) out.set("prefix", next);
            else out.delete("prefix");
            return out;
          })
        }
      />
    </>
  );
}
