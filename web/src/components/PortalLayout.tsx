import {
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconBuilding,
  IconCertificate,
  IconChartBar,
  IconChevronDown,
  IconHistory,
  IconLayoutDashboard,
  IconLock,
  IconLogout,
  IconMail,
  IconMailCog,
  IconServer2,
  IconSettings,
  IconShieldLock,
  IconSpeakerphone,
  IconTool,
  IconUser,
  IconUsers,
  IconWebhook,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import { hostApi } from "../api/endpoints";
import type { Principal } from "../api/types";
import { usePrincipal, useSession } from "../app/session";
import { AlertsBell, AutomationNav } from "../features/automation/AutomationNav";
import { EmailBanner } from "../features/email/EmailBanner";
import { PageLoader } from "./feedback";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { Logo } from "./Logo";

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  /** Only this exact path marks the item active (the dashboard/overview at the portal's root). */
  exact?: boolean;
  testId: string;
  /** A group ("Settings"): the entries below it. */
  children?: NavItem[];
}

function useNavItems(principal: Principal): NavItem[] {
  const { t } = useTranslation();
  const icon = (Icon: typeof IconUser) => <Icon size={18} stroke={1.7} />;
  if (principal.kind === "admin") {
    return [
      { to: "/host", label: t("nav.dashboard"), icon: icon(IconLayoutDashboard), exact: true, testId: "nav-dashboard" },
      { to: "/host/monitoring", label: t("monitoring.nav"), icon: icon(IconChartBar), testId: "nav-monitoring" },
      {
        to: "/host/organizations",
        label: t("nav.organizations"),
        icon: icon(IconBuilding),
        testId: "nav-organizations",
      },
      { to: "/host/licenses", label: t("nav.licenses"), icon: icon(IconCertificate), testId: "nav-licenses" },
      {
        to: "/host/administrators",
        label: t("nav.administrators"),
        icon: icon(IconShieldLock),
        testId: "nav-administrators",
      },
      {
        to: "/host/announcements",
        label: t("nav.announcements"),
        icon: icon(IconSpeakerphone),
        testId: "nav-announcements",
      },
      { to: "/host/email/outbox", label: t("nav.outbox"), icon: icon(IconMail), testId: "nav-outbox" },
      { to: "/host/audit", label: t("nav.audit"), icon: icon(IconHistory), testId: "nav-audit" },
      { to: "/host/maintenance", label: t("nav.maintenance"), icon: icon(IconTool), testId: "nav-maintenance" },
      {
        to: "/host/settings",
        label: t("nav.settings"),
        icon: icon(IconSettings),
        testId: "nav-settings",
        children: [
          { to: "/host/settings/security", label: t("nav.security"), icon: icon(IconLock), testId: "nav-security" },
          {
            to: "/host/settings/email",
            label: t("nav.emailSettings"),
            icon: icon(IconMailCog),
            testId: "nav-email-settings",
          },
          {
            to: "/host/settings/webhooks",
            label: t("webhooks.hostNav"),
            icon: icon(IconWebhook),
            testId: "nav-webhook-settings",
          },
        ],
      },
    ];
  }
  const items: NavItem[] = [
    { to: "/org", label: t("nav.overview"), icon: icon(IconLayoutDashboard), exact: true, testId: "nav-overview" },
  ];
  if (principal.role === "org_admin") {
    items.push(
      { to: "/org/users", label: t("nav.users"), icon: icon(IconUsers), testId: "nav-users" },
      { to: "/org/tenants", label: t("nav.tenants"), icon: icon(IconServer2), testId: "nav-tenants" },
      { to: "/org/licenses", label: t("nav.licenses"), icon: icon(IconCertificate), testId: "nav-licenses" },
      { to: "/org/email/outbox", label: t("nav.outbox"), icon: icon(IconMail), testId: "nav-outbox" },
      { to: "/org/audit", label: t("nav.audit"), icon: icon(IconHistory), testId: "nav-audit" },
      {
        to: "/org/settings",
        label: t("nav.settings"),
        icon: icon(IconSettings),
        testId: "nav-settings",
        children: [
          {
            to: "/org/settings/email",
            label: t("nav.emailSettings"),
            icon: icon(IconMailCog),
            testId: "nav-email-settings",
          },
        ],
      },
    );
  }
  items.push({ to: "/profile", label: t("nav.profile"), icon: icon(IconUser), exact: true, testId: "nav-profile" });
  return items;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]?.[0], parts[parts.length - 1]?.[0]] : [parts[0]?.[0], parts[0]?.[1]];
  return letters.filter(Boolean).join("").toUpperCase() || "?";
}

function UserMenu({ principal }: { principal: Principal }) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const displayName = principal.name || (principal.kind === "admin" ? principal.username : principal.email);
  const subtitle = principal.kind === "admin" ? t("roles.systemAdministrator") : principal.organization.name;
  return (
    <Menu position="bottom-end" width={220} withinPortal>
      <Menu.Target>
        <UnstyledButton
          aria-label={t("userMenu.label")}
          data-testid="user-menu"
          style={{ borderRadius: 8 }}
          px={6}
          py={4}
        >
          <Group gap={10} wrap="nowrap">
            <Avatar radius="xl" size={34} color="indigo" variant="light">
              {initials(displayName)}
            </Avatar>
            <Box visibleFrom="sm" style={{ lineHeight: 1.2 }}>
              <Text size="sm" fw={600} lineClamp={1}>
                {displayName}
              </Text>
              <Text size="xs" c="dimmed" lineClamp={1}>
                {subtitle}
              </Text>
            </Box>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item leftSection={<IconUser size={16} />} component={Link} to="/profile" data-testid="menu-profile">
          {t("nav.profile")}
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item
          leftSection={<IconLogout size={16} />}
          color="red"
          data-testid="sign-out"
          onClick={async () => {
            await session.signOut().catch(() => undefined);
            void navigate("/login", { replace: true });
          }}
        >
          {t("userMenu.signOut")}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** Header badge that keeps a running maintenance window in view of every system administrator. */
function MaintenanceIndicator() {
  const { t } = useTranslation();
  const { data } = useQuery({ queryKey: ["host", "maintenance"], queryFn: hostApi.maintenance, staleTime: 15_000 });
  if (!data) return null;
  const tenantCount = data.tenants.filter((tenant) => tenant.phase !== "none").length;
  if (data.phase === "none" && tenantCount === 0) return null;
  return (
    <Badge
      component={Link}
      to="/host/maintenance"
      color={data.phase === "suspended" ? "red" : "orange"}
      variant="filled"
      leftSection={<IconTool size={12} />}
      style={{ cursor: "pointer" }}
      data-testid="maintenance-indicator"
    >
      {data.phase === "none"
        ? t("maintenance.tenantsInMaintenance", { count: tenantCount })
        : t(`maintenance.phase.${data.phase}`)}
    </Badge>
  );
}

/** The signed-in frame: header with logo, language and user menu; navigation on the left. */
export function PortalLayout() {
  const { t } = useTranslation();
  const principal = usePrincipal();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const items = useNavItems(principal);
  // Groups the user opened or closed by hand; a group holding the current page is open by default.
  const [groupOpen, setGroupOpen] = useState<Record<string, boolean>>({});
  const contextLabel = principal.kind === "admin" ? t("portal.host") : principal.organization.name;

  const isActive = (item: NavItem) =>
    item.exact
      ? location.pathname === item.to
      : location.pathname === item.to || location.pathname.startsWith(`${item.to}/`);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 276, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="xl"
      styles={{ main: { background: "var(--mantine-color-gray-0)" } }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("nav.toggle")} />
            <Link
              to={principal.kind === "admin" ? "/host" : "/org"}
              style={{ color: "inherit", textDecoration: "none" }}
            >
              <Logo size={28} />
            </Link>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {principal.kind === "admin" ? <MaintenanceIndicator /> : <AlertsBell />}
            <LanguageSwitcher />
            <UserMenu principal={principal} />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label={t("nav.label")}>
        <AppShell.Section>
          <Text
            size="xs"
            fw={700}
            c="dimmed"
            tt="uppercase"
            px="sm"
            pt={4}
            pb="xs"
            style={{ letterSpacing: "0.06em" }}
            lineClamp={1}
          >
            {contextLabel}
          </Text>
        </AppShell.Section>
        <AppShell.Section grow component={ScrollArea}>
          {items.map((item) =>
            item.children ? (
              <NavLink
                key={item.to}
                label={item.label}
                leftSection={item.icon}
                opened={groupOpen[item.to] ?? isActive(item)}
                onChange={(next) => setGroupOpen((current) => ({ ...current, [item.to]: next }))}
                variant="light"
                style={{ borderRadius: 8 }}
                mb={2}
                childrenOffset={28}
                data-testid={item.testId}
              >
                {item.children.map((child) => (
                  <NavLink
                    key={child.to}
                    component={Link}
                    to={child.to}
                    label={child.label}
                    leftSection={child.icon}
                    active={isActive(child)}
                    onClick={close}
                    variant="light"
                    style={{ borderRadius: 8 }}
                    mb={2}
                    data-testid={child.testId}
                    aria-current={isActive(child) ? "page" : undefined}
                  />
                ))}
              </NavLink>
            ) : (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                leftSection={item.icon}
                active={isActive(item)}
                onClick={close}
                variant="light"
                style={{ borderRadius: 8 }}
                mb={2}
                data-testid={item.testId}
                aria-current={isActive(item) ? "page" : undefined}
              />
            ),
          )}
          {principal.kind === "user" ? <AutomationNav onNavigate={close} /> : null}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" py="xs">
            {t("portal.footer")}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <Box maw={1240} mx="auto">
          {principal.kind === "admin" ? <EmailBanner /> : null}
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
