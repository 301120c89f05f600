import { Code, Group, Paper, SimpleGrid, Text, ThemeIcon, UnstyledButton } from "@mantine/core";
import {
  IconBuilding,
  IconCertificate,
  IconChevronRight,
  IconHistory,
  IconMailCog,
  IconServer2,
  IconUserCircle,
  IconUsers,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { orgApi } from "../../api/endpoints";
import { useUserPrincipal } from "../../app/session";
import { RoleBadge, StatusBadge } from "../../components/badges";
import { QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { FirstRunChecklist } from "../../features/onboarding/FirstRunChecklist";
import { TenantsPanel } from "../../features/tenants/TenantsPanel";
import { useFormat } from "../../lib/format";

function InfoCard({ label, children, icon }: { label: string; children: ReactNode; icon: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Group gap="md" wrap="nowrap">
        <ThemeIcon size={40} radius="md" variant="light">
          {icon}
        </ThemeIcon>
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
            {label}
          </Text>
          <div>{children}</div>
        </div>
      </Group>
    </Paper>
  );
}

function QuickLink({
  to,
  icon,
  title,
  description,
}: {
  to: string;
  icon: ReactNode;
  title: string;
  description: string;
}) {
  return (
    <UnstyledButton component={Link} to={to}>
      <Paper withBorder radius="md" p="md" h="100%">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <ThemeIcon size={36} radius="md" variant="light" color="violet">
              {icon}
            </ThemeIcon>
            <div>
              <Text fw={600} size="sm">
                {title}
              </Text>
              <Text size="xs" c="dimmed">
                {description}
              </Text>
            </div>
          </Group>
          <IconChevronRight size={18} color="var(--mantine-color-dimmed)" />
        </Group>
      </Paper>
    </UnstyledButton>
  );
}

export default function OrgOverviewPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const principal = useUserPrincipal();
  const slug = principal.organization.slug;
  const org = useQuery({ queryKey: ["orgs", slug], queryFn: () => orgApi.organization(slug) });
  const isAdmin = principal.role === "org_admin";

  return (
    <>
      <PageHeader
        title={<span data-testid="org-overview-name">{org.data?.name ?? principal.organization.name}</span>}
        description={t("orgOverview.welcome", { name: principal.name || principal.email })}
      />
      {org.isError ? <QueryError error={org.error} onRetry={() => void org.refetch()} /> : null}
      {isAdmin ? <FirstRunChecklist org={slug} /> : null}
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="lg">
        <InfoCard label={t("orgOverview.organization")} icon={<IconBuilding size={22} />}>
          <Group gap="xs">
            <Code>{slug}</Code>
            {org.data ? <StatusBadge status={org.data.status} /> : null}
          </Group>
        </InfoCard>
        <InfoCard label={t("orgOverview.yourRole")} icon={<IconUserCircle size={22} />}>
          <RoleBadge role={principal.role} />
        </InfoCard>
        <InfoCard label={t("orgOverview.memberSince")} icon={<IconHistory size={22} />}>
          <Text size="sm" fw={600}>
            {format.date(org.data?.createdAt)}
          </Text>
        </InfoCard>
      </SimpleGrid>
      {isAdmin ? (
        <SimpleGrid cols={{ base: 1, sm: 3 }} mb="lg">
          <QuickLink
            to="/org/users"
            icon={<IconUsers size={20} />}
            title={t("nav.users")}
            description={t("orgOverview.usersLink")}
          />
          <QuickLink
            to="/org/tenants"
            icon={<IconServer2 size={20} />}
            title={t("nav.tenants")}
            description={t("orgOverview.tenantsLink")}
          />
          <QuickLink
            to="/org/audit"
            icon={<IconHistory size={20} />}
            title={t("nav.audit")}
            description={t("orgOverview.auditLink")}
          />
          <QuickLink
            to="/org/licenses"
            icon={<IconCertificate size={20} />}
            title={t("nav.licenses")}
            description={t("orgOverview.licensesLink")}
          />
          <QuickLink
            to="/org/settings/email"
            icon={<IconMailCog size={20} />}
            title={t("email.org.title")}
            description={t("orgOverview.emailLink")}
          />
        </SimpleGrid>
      ) : null}
      <TenantsPanel endpoints={orgApi.tenants(slug)} canManage={false} />
    </>
  );
}
