import { Anchor, Badge, Group, Stack, TextInput } from "@mantine/core";
import { IconCertificate, IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { hostApi } from "../../api/endpoints";
import type { TenantLicense } from "../../api/types";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { LicenseModal } from "../../features/licenses/LicenseModal";
import { groupByOrganization, LicenseTable } from "../../features/licenses/LicenseTable";

export default function LicensesPage() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const [dialog, setDialog] = useState<{ license: TenantLicense; opened: boolean } | null>(null);
  const query = useQuery({ queryKey: ["host", "licenses"], queryFn: hostApi.licenses });
  const needle = q.trim().toLowerCase();
  const groups = groupByOrganization(
    (query.data?.items ?? []).filter(
      (l) =>
        !needle ||
        l.orgName.toLowerCase().includes(needle) ||
        l.orgSlug.includes(needle) ||
        l.tenantName.toLowerCase().includes(needle),
    ),
  );
  const expiring = (query.data?.items ?? []).filter((l) => l.daysLeft !== null && l.daysLeft <= 30).length;

  return (
    <>
      <PageHeader
        title={t("licenses.title")}
        description={t("licenses.hostDescription")}
        actions={
          expiring > 0 ? (
            <Badge color="orange" variant="light" size="lg" data-testid="licenses-expiring">
              {t("licenses.expiringCount", { count: expiring })}
            </Badge>
          ) : null
        }
      />
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data && query.data.items.length === 0 ? (
        <Panel>
          <EmptyPanel
            icon={<IconCertificate size={32} />}
            title={t("licenses.empty")}
            description={t("licenses.emptyBody")}
            testId="licenses-empty"
          />
        </Panel>
      ) : null}
      {query.data && query.data.items.length > 0 ? (
        <Stack gap="lg" data-testid="licenses">
          <TextInput
            leftSection={<IconSearch size={16} />}
            placeholder={t("licenses.search")}
            aria-label={t("licenses.search")}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            maw={360}
          />
          {groups.length === 0 ? (
            <Panel>
              <EmptyPanel icon={<IconSearch size={28} />} title={t("licenses.noMatch", { q })} />
            </Panel>
          ) : null}
          {groups.map((group) => (
            <div key={group.orgId} data-testid={`license-org-${group.orgSlug}`}>
              <Panel
                title={
                  <Group gap="xs" component="span">
                    <Anchor component={Link} to={`/host/organizations/${group.orgSlug}`} fw={600} c="inherit">
                      {group.orgName}
                    </Anchor>
                    <Badge variant="outline" color="gray" tt="none" fw={500}>
                      {group.orgSlug}
                    </Badge>
                  </Group>
                }
              >
                <LicenseTable licenses={group.items} onEdit={(license) => setDialog({ license, opened: true })} />
              </Panel>
            </div>
          ))}
        </Stack>
      ) : null}
      <LicenseModal
        license={dialog?.license ?? null}
        opened={!!dialog?.opened}
        onClose={() => setDialog((d) => (d ? { ...d, opened: false } : d))}
      />
    </>
  );
}
