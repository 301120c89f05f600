import {
  ActionIcon,
  Badge,
  Divider,
  Group,
  Indicator,
  NavLink,
  Popover,
  ScrollArea,
  Select,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import {
  IconBell,
  IconBriefcase,
  IconBucket,
  IconCalendarOff,
  IconChartBar,
  IconClock,
  IconFolders,
  IconKey,
  IconPackage,
  IconPlayerPlay,
  IconRobot,
  IconSettings,
  IconShieldCheck,
  IconStack2,
  IconWebhook,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router";
import { alertMessage, alertPagePath } from "../../../../src/shared/alerts";
import { orgApi, tenantApi } from "../../api/endpoints";
import type { Alert as AlertItem } from "../../api/types";
import { useUserPrincipal } from "../../app/session";
import { useFormat } from "../../lib/format";
import { severityColor } from "./badges";
import { rememberedTenant, tenantPath } from "./tenant";

/** The tenant in the current URL (`/org/t/{tenant}/…`), if any. */
export function useRouteTenant(): string | null {
  const location = useLocation();
  const match = /^\/org\/t\/([^/]+)/.exec(location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/**
 * The navigation's "Automation" section: a tenant switcher and the pages of the chosen tenant
 * (jobs, processes, machines, packages, folders, roles).
 */
export function AutomationNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const location = useLocation();
  const navigate = useNavigate();
  const routeTenant = useRouteTenant();
  const tenants = useQuery({ queryKey: ["orgs", org, "tenants"], queryFn: () => orgApi.tenants(org).list() });
  const active = (tenants.data?.items ?? []).filter((x) => x.status === "active");
  const remembered = rememberedTenant();
  const current =
    routeTenant ??
    (active.some((x) => String(x.id) === remembered) ? remembered : null) ??
    (active[0] ? String(active[0].id) : null);
  // While the tenants load, the section keeps its place (placeholders), so the navigation does not jump.
  if (tenants.isPending) return <AutomationNavSkeleton title={t("nav.automation")} />;
  if (active.length === 0 || !current) return null;
  // A URL names its tenant by id or by name (any case, as the API takes it); the switcher shows it either way.
  const shown = active.find((x) => String(x.id) === current || x.name.toLowerCase() === current.toLowerCase());

  const icon = (Icon: typeof IconBell) => <Icon size={18} stroke={1.7} />;
  const items = [
    { sub: "jobs", label: t("nav.jobs"), icon: icon(IconPlayerPlay), testId: "nav-jobs" },
    { sub: "monitoring", label: t("monitoring.nav"), icon: icon(IconChartBar), testId: "nav-monitoring" },
    { sub: "processes", label: t("nav.processes"), icon: icon(IconBriefcase), testId: "nav-processes" },
    { sub: "queues", label: t("queues.nav"), icon: icon(IconStack2), testId: "nav-queues" },
    { sub: "machines", label: t("nav.machines"), icon: icon(IconRobot), testId: "nav-machines" },
    { sub: "packages", label: t("nav.packages"), icon: icon(IconPackage), testId: "nav-packages" },
    { sub: "folders", label: t("nav.folders"), icon: icon(IconFolders), testId: "nav-folders" },
    { sub: "roles", label: t("nav.roles"), icon: icon(IconShieldCheck), testId: "nav-roles" },
    { sub: "assets", label: t("assets.nav"), icon: icon(IconKey), testId: "nav-assets" },
    { sub: "buckets", label: t("buckets.nav"), icon: icon(IconBucket), testId: "nav-buckets" },
    { sub: "triggers", label: t("triggers.nav.triggers"), icon: icon(IconClock), testId: "nav-triggers" },
    { sub: "calendars", label: t("triggers.nav.calendars"), icon: icon(IconCalendarOff), testId: "nav-calendars" },
    { sub: "webhooks", label: t("webhooks.nav"), icon: icon(IconWebhook), testId: "nav-webhooks" },
    { sub: "settings", label: t("triggers.nav.settings"), icon: icon(IconSettings), testId: "nav-tenant-settings" },
    { sub: "alerts", label: t("alerts.title"), icon: icon(IconBell), testId: "nav-alerts" },
  ];
  return (
    <Stack gap={2} mt="sm">
      <Divider mb={6} />
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" style={{ letterSpacing: "0.06em" }}>
        {t("nav.automation")}
      </Text>
      <Select
        mx={4}
        my={6}
        size="sm"
        aria-label={t("automation.tenant")}
        data={active.map((x) => ({ value: String(x.id), label: x.name }))}
        value={shown ? String(shown.id) : null}
        placeholder={t("automation.chooseTenant")}
        allowDeselect={false}
        onChange={(value) => {
          if (!value) return;
          const sub = /^\/org\/t\/[^/]+\/([^/]+)/.exec(location.pathname)?.[1] ?? "jobs";
          void navigate(tenantPath(value, sub));
          onNavigate();
        }}
        data-testid="tenant-switcher"
      />
      {items.map((item) => {
        const to = tenantPath(current, item.sub);
        const isActive = location.pathname === to || location.pathname.startsWith(`${to}/`);
        return (
          <NavLink
            key={item.sub}
            component={Link}
            to={to}
            label={item.label}
            leftSection={item.icon}
            active={isActive}
            onClick={onNavigate}
            variant="light"
            style={{ borderRadius: 8 }}
            data-testid={item.testId}
            aria-current={isActive ? "page" : undefined}
          />
        );
      })}
    </Stack>
  );
}

function AutomationNavSkeleton({ title }: { title: string }) {
  return (
    <Stack gap={6} mt="sm" aria-busy="true" data-testid="automation-nav-loading">
      <Divider mb={6} />
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" style={{ letterSpacing: "0.06em" }}>
        {title}
      </Text>
      <Skeleton height={34} mx={4} radius="sm" />
      {Array.from({ length: 8 }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
        <Skeleton key={i} height={26} mx="sm" radius="sm" />
      ))}
    </Stack>
  );
}

const SEEN_KEY = "dirigent.alerts.seen";

/** The header bell: the tenant's newest alerts (polled every 15 s), with a dot for unseen ones. */
export function AlertsBell() {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useUserPrincipal();
  const tenant = useRouteTenant();
  const org = me.organization.slug;
  const [opened, setOpened] = useState(false);
  const [seen, setSeen] = useState<number>(() => Number(localStorage.getItem(`${SEEN_KEY}.${tenant}`) ?? 0) || 0);
  const query = useQuery({
    queryKey: ["orgs", org, "tenant", tenant, "alerts"],
    queryFn: () => tenantApi(org, tenant ?? "").alerts(),
    enabled: !!tenant,
    refetchInterval: 15_000,
  });
  if (!tenant) return null;
  const items = query.data?.items ?? [];
  const newest = items[0]?.id ?? 0;
  const unseen = items.filter((a) => a.id > seen).length;
  const open = (next: boolean) => {
    setOpened(next);
    if (next && newest) {
      setSeen(newest);
      try {
        localStorage.setItem(`${SEEN_KEY}.${tenant}`, String(newest));
      } catch {
        // ignored
      }
    }
  };
  return (
    <Popover opened={opened} onChange={open} position="bottom-end" width={380} shadow="md" withinPortal>
      <Popover.Target>
        <Indicator disabled={unseen === 0} label={unseen > 9 ? "9+" : unseen} size={16} color="red" offset={4}>
          <Tooltip label={t("alerts.title")}>
            <ActionIcon
              variant="subtle"
              color="gray"
              size="lg"
              aria-label={t("alerts.title")}
              onClick={() => open(!opened)}
              data-testid="alerts-bell"
            >
              <IconBell size={20} />
            </ActionIcon>
          </Tooltip>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0} data-testid="alerts-panel">
        <Group
          justify="space-between"
          px="md"
          py="sm"
          style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
        >
          <Text fw={600}>{t("alerts.title")}</Text>
          <UnstyledButton
            component={Link}
            to={tenantPath(tenant, "alerts")}
            onClick={() => setOpened(false)}
            data-testid="alerts-view-all"
          >
            <Text size="xs" c="blue">
              {t("alerts.viewAll")}
            </Text>
          </UnstyledButton>
        </Group>
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" p="md" ta="center" data-testid="alerts-empty">
            {query.isPending ? t("common.loading") : t("alerts.empty")}
          </Text>
        ) : (
          <ScrollArea.Autosize mah={420}>
            {items.map((alert) => (
              <AlertRow
                key={alert.id}
                alert={alert}
                target={alertPagePath(tenant, alert.link)}
                when={format.dateTime(alert.createdAt)}
                onOpen={() => setOpened(false)}
              />
            ))}
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

function AlertRow({
  alert,
  target,
  when,
  onOpen,
}: {
  alert: AlertItem;
  target: string | null;
  when: string;
  onOpen: () => void;
}) {
  const { t, i18n } = useTranslation();
  const message =
    alertMessage(alert.kind, alert.details, i18n.resolvedLanguage === "de" ? "de" : "en") ?? alert.message;
  const body = (
    <Group
      gap="sm"
      wrap="nowrap"
      align="flex-start"
      px="md"
      py="sm"
      style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
    >
      <ThemeIcon size={10} radius="xl" color={severityColor[alert.severity]} mt={6} />
      <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
        <Text size="sm">{message}</Text>
        <Group gap={6}>
          <Badge size="xs" variant="light" color={severityColor[alert.severity]}>
            {t(`alerts.severity.${alert.severity}`)}
          </Badge>
          <Text size="xs" c="dimmed">
            {when}
          </Text>
        </Group>
      </Stack>
    </Group>
  );
  return target ? (
    <UnstyledButton component={Link} to={target} onClick={onOpen} display="block" w="100%" data-testid="alert-item">
      {body}
    </UnstyledButton>
  ) : (
    <div data-testid="alert-item">{body}</div>
  );
}
