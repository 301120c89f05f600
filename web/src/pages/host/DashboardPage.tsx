import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Skeleton, Text, ThemeIcon } from "@mantine/core";
import { IconBuilding, IconServer2, IconShieldLock, IconTool, IconUsers } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { hostApi } from "../../api/endpoints";
import { usePrincipal } from "../../app/session";
import { PhaseBadge } from "../../components/badges";
import { QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { useFormat } from "../../lib/format";

function StatCard({
  label,
  value,
  detail,
  icon,
  color,
  to,
  testId,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  icon: ReactNode;
  color: string;
  to: string;
  testId: string;
}) {
  return (
    <Paper
      withBorder
      radius="md"
      p="lg"
      component={Link}
      to={to}
      style={{ color: "inherit", textDecoration: "none" }}
      data-testid={testId}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={700} style={{ letterSpacing: "0.05em" }}>
            {label}
          </Text>
          <Text fz={34} fw={700} lh={1.2} mt={6} data-testid={`${testId}-value`}>
            {value}
          </Text>
          {detail ? (
            <Text size="sm" c="dimmed" mt={4}>
              {detail}
            </Text>
          ) : null}
        </div>
        <ThemeIcon size={44} radius="md" variant="light" color={color}>
          {icon}
        </ThemeIcon>
      </Group>
    </Paper>
  );
}

export default function DashboardPage() {
  const { t } = useTranslation();
  const principal = usePrincipal();
  const format = useFormat();
  const query = useQuery({ queryKey: ["host", "dashboard"], queryFn: hostApi.dashboard });
  const data = query.data;

  return (
    <>
      <PageHeader title={t("dashboard.title")} description={t("dashboard.welcome", { name: principal.name || "" })} />
      {data && data.maintenance.phase !== "none" ? (
        <Alert
          color={data.maintenance.phase === "suspended" ? "red" : "orange"}
          variant="light"
          icon={<IconTool />}
          title={t("dashboard.maintenanceActive")}
          mb="lg"
          data-testid="dashboard-maintenance-banner"
        >
          <Group gap="xs">
            <Text size="sm">{t("dashboard.maintenanceBody")}</Text>
            <PhaseBadge phase={data.maintenance.phase} size="sm" />
            <Anchor component={Link} to="/host/maintenance" size="sm">
              {t("dashboard.manageMaintenance")}
            </Anchor>
          </Group>
        </Alert>
      ) : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.isPending ? (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} h={128} radius="md" />
          ))}
        </SimpleGrid>
      ) : null}
      {data ? (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <StatCard
            label={t("dashboard.organizations")}
            value={format.number(data.organizations.total)}
            detail={t("dashboard.orgBreakdown", {
              active: format.number(data.organizations.active),
              disabled: format.number(data.organizations.disabled),
            })}
            icon={<IconBuilding size={24} />}
            color="indigo"
            to="/host/organizations"
            testId="stat-organizations"
          />
          <StatCard
            label={t("dashboard.tenants")}
            value={format.number(data.tenants.total)}
            icon={<IconServer2 size={24} />}
            color="violet"
            to="/host/organizations"
            testId="stat-tenants"
          />
          <StatCard
            label={t("dashboard.users")}
            value={format.number(data.users.total)}
            icon={<IconUsers size={24} />}
            color="cyan"
            to="/host/organizations"
            testId="stat-users"
          />
          <StatCard
            label={t("dashboard.administrators")}
            value={format.number(data.administrators.total)}
            detail={t("dashboard.adminBreakdown", { active: format.number(data.administrators.active) })}
            icon={<IconShieldLock size={24} />}
            color="grape"
            to="/host/administrators"
            testId="stat-administrators"
          />
        </SimpleGrid>
      ) : null}
      {data ? (
        <Paper withBorder radius="md" p="lg" mt="lg" data-testid="stat-maintenance">
          <Group justify="space-between" wrap="wrap" gap="md">
            <Group gap="md" wrap="nowrap">
              <ThemeIcon
                size={44}
                radius="md"
                variant="light"
                color={data.maintenance.phase === "none" ? "teal" : "orange"}
              >
                <IconTool size={24} />
              </ThemeIcon>
              <div>
                <Group gap="sm">
                  <Text fw={600}>{t("dashboard.maintenance")}</Text>
                  <PhaseBadge phase={data.maintenance.phase} />
                </Group>
                <Text size="sm" c="dimmed">
                  {t(`maintenance.phaseHelp.${data.maintenance.phase}`)}
                </Text>
              </div>
            </Group>
            <Button component={Link} to="/host/maintenance" variant="default">
              {t("dashboard.manageMaintenance")}
            </Button>
          </Group>
        </Paper>
      ) : null}
    </>
  );
}
