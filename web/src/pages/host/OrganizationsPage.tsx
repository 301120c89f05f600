import { Anchor, Button, Code, Group, Menu, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import {
  IconBuilding,
  IconCircleCheck,
  IconCircleOff,
  IconExternalLink,
  IconPlus,
  IconSearch,
  IconTrash,
} from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { hostApi } from "../../api/endpoints";
import type { Organization } from "../../api/types";
import { StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { CreateOrganizationModal } from "../../features/organizations/CreateOrganizationModal";
import { useOrganizationActions } from "../../features/organizations/useOrganizationActions";
import { useFormat } from "../../lib/format";
import { useCursorList } from "../../lib/useCursorList";

export default function OrganizationsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [q] = useDebouncedValue(search.trim(), 250);
  const [creating, setCreating] = useState(params.get("new") === "1");
  const [confirm, confirmModal] = useConfirm();
  const actions = useOrganizationActions(confirm);

  const list = useCursorList(["host", "organizations", "list", q], (cursor) => hostApi.organizations({ q, cursor }));

  const updateSearch = (value: string) => {
    setSearch(value);
    const next = new URLSearchParams(params);
    if (value.trim()) next.set("q", value.trim());
    else next.delete("q");
    setParams(next, { replace: true });
  };

  const newButton = (
    <Button leftSection={<IconPlus size={18} />} onClick={() => setCreating(true)} data-testid="new-organization">
      {t("organizations.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("organizations.title")} description={t("organizations.description")} actions={newButton} />
      <Panel
        title={
          <TextInput
            aria-label={t("organizations.search")}
            placeholder={t("organizations.search")}
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => updateSearch(e.currentTarget.value)}
            w={{ base: 220, sm: 320 }}
            size="sm"
            data-testid="organization-search"
          />
        }
      >
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <QueryError error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && list.items.length === 0 ? (
          q ? (
            <EmptyPanel icon={<IconSearch size={32} />} title={t("organizations.noMatch", { q })} />
          ) : (
            <EmptyPanel
              icon={<IconBuilding size={32} />}
              title={t("organizations.empty")}
              description={t("organizations.emptyBody")}
              action={newButton}
              testId="organizations-empty"
            />
          )
        ) : null}
        {list.items.length > 0 ? (
          <ListTable
            minWidth={760}
            testId="organizations-table"
            actionsColumn
            head={
              <>
                <Table.Th>{t("organizations.name")}</Table.Th>
                <Table.Th>{t("organizations.slug")}</Table.Th>
                <Table.Th>{t("fields.status")}</Table.Th>
                <Table.Th ta="right">{t("organizations.tenants")}</Table.Th>
                <Table.Th ta="right">{t("organizations.users")}</Table.Th>
                <Table.Th>{t("fields.created")}</Table.Th>
              </>
            }
          >
            {list.items.map((org) => (
              <OrganizationRow
                key={org.id}
                org={org}
                created={format.date(org.createdAt)}
                onToggle={() => actions.toggleStatus(org)}
                onDelete={() => actions.remove(org)}
              />
            ))}
          </ListTable>
        ) : null}
        <LoadMore
          hasMore={!!list.hasNextPage}
          loading={list.isFetchingNextPage}
          onLoad={() => void list.fetchNextPage()}
        />
      </Panel>
      <CreateOrganizationModal opened={creating} onClose={() => setCreating(false)} />
      {confirmModal}
    </>
  );
}

function OrganizationRow({
  org,
  created,
  onToggle,
  onDelete,
}: {
  org: Organization;
  created: string;
  onToggle: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  const href = `/host/organizations/${encodeURIComponent(org.slug)}`;
  return (
    <Table.Tr data-testid={`org-row-${org.slug}`}>
      <Table.Td>
        <Anchor component={Link} to={href} fw={600} size="sm" c="var(--mantine-color-text)">
          {org.name}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Code>{org.slug}</Code>
      </Table.Td>
      <Table.Td>
        <StatusBadge status={org.status} />
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{org.tenantCount ?? "—"}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{org.userCount ?? "—"}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed">
          {created}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group justify="flex-end">
          <RowActions name={org.name}>
            <Menu.Item leftSection={<IconExternalLink size={16} />} component={Link} to={href}>
              {t("common.open")}
            </Menu.Item>
            <Menu.Item
              leftSection={org.status === "active" ? <IconCircleOff size={16} /> : <IconCircleCheck size={16} />}
              onClick={onToggle}
              data-testid="toggle-status"
            >
              {org.status === "active" ? t("common.disable") : t("common.enable")}
            </Menu.Item>
            <Menu.Divider />
            <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={onDelete} data-testid="delete">
              {t("common.delete")}
            </Menu.Item>
          </RowActions>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
