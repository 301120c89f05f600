import { Alert, Group, Select, Text } from "@mantine/core";
import { IconFolder, IconLock } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useParams, useSearchParams } from "react-router";
import { orgApi, type TenantApi, tenantApi } from "../../api/endpoints";
import type { Folder, Tenant, TenantPermissions } from "../../api/types";
import { useUserPrincipal } from "../../app/session";
import { PageLoader, QueryError } from "../../components/feedback";
import { TimeZoneContext } from "../../lib/timeZone";
import { triggersApi } from "../triggers/api";
import { useTenantChanges } from "./useTenantChanges";

const LAST_TENANT_KEY = "dirigent.tenant";
const lastFolderKey = (tenant: string) => `dirigent.folder.${tenant}`;

/** The tenant the user worked in last (the navigation's default). */
export function rememberedTenant(): string | null {
  try {
    return localStorage.getItem(LAST_TENANT_KEY);
  } catch {
    return null;
  }
}

/** `/org/t/{tenant}/{sub}`: the pages of one tenant's automation area. */
export function tenantPath(tenant: string | number, sub = ""): string {
  return `/org/t/${encodeURIComponent(String(tenant))}${sub ? `/${sub}` : ""}`;
}

export interface TenantContextValue {
  org: string;
  tenantId: string;
  tenant: Tenant | null;
  api: TenantApi;
  folders: Folder[];
  permissions: TenantPermissions;
  /** A tenant-wide permission (`machines.create`). */
  canTenant: (permission: string) => boolean;
  /** A folder permission (`jobs.create`) in one folder, or — without a folder — in any folder. */
  canFolder: (permission: string, folderId?: number | null) => boolean;
  /**
   * The caller sees no folder and may not create one: whether the tenant has folders or not, its
   * folder pages are not for this user until an administrator assigns a role (issue #12, defect 5).
   */
  noFolderAccess: boolean;
  folderById: Map<number, Folder>;
  /** Folder ids as their full paths (`Finance / Invoices`). */
  folderPath: (id: number | null | undefined) => string;
  /** Builds a path inside this tenant. */
  path: (sub?: string) => string;
}

const TenantContext = createContext<TenantContextValue | null>(null);

export function useTenant(): TenantContextValue {
  const value = useContext(TenantContext);
  if (!value) throw new Error("useTenant needs the TenantLayout");
  return value;
}

/** Query keys of this tenant. */
export function tenantKey(ctx: Pick<TenantContextValue, "org" | "tenantId">, ...rest: unknown[]): unknown[] {
  return ["orgs", ctx.org, "tenant", ctx.tenantId, ...rest];
}

/** Route element of `/org/t/:tenant/*`: loads the tenant's permissions and folders once for all pages. */
export function TenantLayout() {
  const me = useUserPrincipal();
  const org = me.organization.slug;
  const { tenant: tenantId = "" } = useParams();
  const api = useMemo(() => tenantApi(org, tenantId), [org, tenantId]);
  const tenants = useQuery({ queryKey: ["orgs", org, "tenants"], queryFn: () => orgApi.tenants(org).list() });
  const permissions = useQuery({
    queryKey: ["orgs", org, "tenant", tenantId, "permissions"],
    queryFn: api.permissions,
  });
  const folders = useQuery({ queryKey: ["orgs", org, "tenant", tenantId, "folders"], queryFn: api.folders });
  // Times on the tenant's pages are shown in its zone (the viewer's own on hover, see <Time>).
  const settings = useQuery({
    queryKey: ["orgs", org, "tenant", tenantId, "settings"],
    queryFn: () => triggersApi(org, tenantId).settings(),
    staleTime: 60_000,
  });
  // One change feed for all the tenant's pages: they read again when the server says what changed.
  useTenantChanges(api);

  useEffect(() => {
    try {
      localStorage.setItem(LAST_TENANT_KEY, tenantId);
    } catch {
      // Storage may be unavailable (private mode); the URL still carries the tenant.
    }
  }, [tenantId]);

  const value = useMemo<TenantContextValue | null>(() => {
    if (!permissions.data || !folders.data) return null;
    const perms = permissions.data;
    const items = folders.data.items;
    const byId = new Map(items.map((f) => [f.id, f]));
    const folderPerms = new Map(perms.folders.map((f) => [f.folderId, new Set(f.permissions)]));
    const tenant = tenants.data?.items.find((t) => String(t.id) === tenantId || t.name === tenantId) ?? null;
    return {
      org,
      tenantId,
      tenant,
      api,
      folders: items,
      permissions: perms,
      canTenant: (p) => perms.everything || perms.tenant.includes(p),
      canFolder: (p, folderId) => {
        if (perms.everything) return true;
        if (folderId == null) return [...folderPerms.values()].some((set) => set.has(p));
        return folderPerms.get(folderId)?.has(p) ?? false;
      },
      noFolderAccess: !perms.everything && items.length === 0 && !perms.tenant.includes("folders.create"),
      folderById: byId,
      folderPath: (id) => (id == null ? "—" : (byId.get(id)?.path ?? `#${id}`)),
      path: (sub) => tenantPath(tenantId, sub),
    };
  }, [permissions.data, folders.data, tenants.data, org, tenantId, api]);

  if (permissions.isError) return <QueryError error={permissions.error} onRetry={() => void permissions.refetch()} />;
  if (folders.isError) return <QueryError error={folders.error} onRetry={() => void folders.refetch()} />;
  if (!value) return <PageLoader />;
  return (
    <TenantContext.Provider value={value}>
      <TimeZoneContext.Provider value={settings.data?.timeZone ?? null}>
        <Outlet />
      </TimeZoneContext.Provider>
    </TenantContext.Provider>
  );
}

/** Folder options for a Select: parents before children, indented by depth. */
export function useFolderOptions(filter?: (folder: Folder) => boolean) {
  const { folders } = useTenant();
  return useMemo(
    () =>
      folders
        .filter((f) => !filter || filter(f))
        .map((f) => ({ value: String(f.id), label: `${"\u2003".repeat(f.depth)}${f.name}` })),
    [folders, filter],
  );
}

/**
 * The folder a folder-scoped page works in: `?folder=` in the URL, else the one used last in this
 * tenant, else the first folder the user may see.
 */
export function useSelectedFolder(): [Folder | null, (id: number) => void] {
  const { folders, folderById, tenantId } = useTenant();
  const [params, setParams] = useSearchParams();
  const fromUrl = Number(params.get("folder"));
  let remembered: number | null = null;
  try {
    remembered = Number(localStorage.getItem(lastFolderKey(tenantId))) || null;
  } catch {
    remembered = null;
  }
  const folder =
    (fromUrl && folderById.get(fromUrl)) || (remembered && folderById.get(remembered)) || folders[0] || null;
  const select = useCallback(
    (id: number) => {
      try {
        localStorage.setItem(lastFolderKey(tenantId), String(id));
      } catch {
        // ignored: the URL carries the folder
      }
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set("folder", String(id));
          return next;
        },
        { replace: true },
      );
    },
    [setParams, tenantId],
  );
  return [folder, select];
}

/** The folder picker of folder-scoped pages (tree order, indented). */
export function FolderPicker({
  value,
  onChange,
  label,
}: {
  value: Folder | null;
  onChange: (id: number) => void;
  label?: string;
}) {
  const { t } = useTranslation();
  const options = useFolderOptions();
  return (
    <Select
      label={label}
      aria-label={label ? undefined : t("automation.folder")}
      leftSection={<IconFolder size={16} />}
      data={options}
      value={value ? String(value.id) : null}
      onChange={(v) => v && onChange(Number(v))}
      allowDeselect={false}
      searchable
      w={300}
      nothingFoundMessage={t("common.nothingFound")}
      data-testid="folder-picker"
      renderOption={({ option }) => <Text size="sm">{option.label}</Text>}
    />
  );
}

/**
 * Shown instead of a page's content when the user sees no folder: the tenant has none yet (with
 * the action to create one), or the user has no role in any (then no empty state that is not true).
 */
export function NoFolders({ action }: { action?: ReactNode }) {
  const { t } = useTranslation();
  const { noFolderAccess } = useTenant();
  if (noFolderAccess) return <NoFolderAccess />;
  return (
    <Alert
      color="gray"
      variant="light"
      icon={<IconFolder />}
      title={t("automation.noFolders")}
      data-testid="no-folders"
    >
      <Group justify="space-between">
        <Text size="sm">{t("automation.noFoldersHint")}</Text>
        {action}
      </Group>
    </Alert>
  );
}

/** The user has no role in any folder of this tenant: say so, instead of "nothing here yet". */
export function NoFolderAccess() {
  const { t } = useTranslation();
  return (
    <LockedNotice
      title={t("automation.noFolderAccess")}
      hint={t("automation.noFolderAccessHint")}
      testId="no-folder-access"
    />
  );
}

/** Shown when the user lacks the permission to see a page's content. */
export function NoPermission() {
  const { t } = useTranslation();
  return (
    <LockedNotice title={t("automation.noPermission")} hint={t("automation.noPermissionHint")} testId="no-permission" />
  );
}

/** A quiet notice with a lock: what the user may not see here, and why. */
function LockedNotice({ title, hint, testId }: { title: string; hint: string; testId: string }) {
  return (
    <Alert color="gray" variant="light" icon={<IconLock />} title={title} data-testid={testId}>
      {hint}
    </Alert>
  );
}
