import { Button, Modal, MultiSelect, Select, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconUserPlus } from "@tabler/icons-react";
import { type UseQueryResult, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { orgApi } from "../../api/endpoints";
import type { Role } from "../../api/types";
import { FormButtons } from "../../components/FormButtons";
import { FormError, PageLoader, Panel, QueryError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useServerText } from "../../lib/serverText";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useOpenKey } from "../../lib/useOpenKey";
import { tenantKey, useTenant } from "./tenant";

/** Whose roles a dialog edits: a fixed user (changing their roles) or one still to choose (`null`). */
export interface AssignmentTarget {
  userId: number | null;
  roleIds: number[];
}

const FIELDS = ["userId", "roleIds"] as const;

function AssignRolesForm({
  kind,
  target,
  onSave,
  onClose,
}: {
  kind: Role["kind"];
  target: AssignmentTarget;
  onSave: (userId: number, roleIds: number[]) => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [userId, setUserId] = useState<string | null>(target.userId ? String(target.userId) : null);
  const [roleIds, setRoleIds] = useState<string[]>(target.roleIds.map(String));
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const users = useQuery({ queryKey: ["orgs", ctx.org, "users"], queryFn: () => orgApi.users(ctx.org) });
  const roles = useQuery({ queryKey: tenantKey(ctx, "roles"), queryFn: ctx.api.roles });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId) {
      invalid({ userId: t("validation.required") });
      return;
    }
    const saved = await run(async () => {
      await onSave(Number(userId), roleIds.map(Number));
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx) });
    });
    if (saved) {
      notifications.show({ color: "teal", message: t("common.saved") });
      onClose();
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="assign-form">
      <Stack gap="md">
        <Select
          name="userId"
          label={t("fields.user")}
          data={(users.data?.items ?? []).map((u) => ({
            value: String(u.id),
            label: u.name ? `${u.name} <${u.email}>` : u.email,
          }))}
          value={userId}
          onChange={(value) => {
            setUserId(value);
            errors.clearField("userId");
          }}
          searchable
          nothingFoundMessage={t("common.nothingFound")}
          disabled={target.userId !== null}
          error={errors.fieldErrors.userId}
          data-testid="assign-user"
        />
        <MultiSelect
          name="roleIds"
          label={kind === "tenant" ? t("roles.tenantRoles") : t("folders.roles")}
          description={kind === "tenant" ? t("roles.tenantRolesHint") : t("folders.rolesHint")}
          data={(roles.data?.items ?? [])
            .filter((r) => r.kind === kind)
            .map((r) => ({ value: String(r.id), label: serverText.roleName(r) }))}
          value={roleIds}
          onChange={(value) => {
            setRoleIds(value);
            errors.clearField("roleIds");
          }}
          clearable
          error={errors.fieldErrors.roleIds}
          data-testid="assign-roles"
        />
        <FormError message={errors.formError} />
        <FormButtons onCancel={onClose} pending={pending} testId="assign-submit" />
      </Stack>
    </form>
  );
}

/**
 * The dialog that gives a user roles — tenant roles tenant-wide, or folder roles in one folder
 * (`onSave` sends them). An empty list removes the user's roles there.
 */
export function AssignRolesModal({
  kind,
  title,
  target,
  onSave,
  onClose,
}: {
  kind: Role["kind"];
  title: string;
  target: AssignmentTarget | null;
  onSave: (userId: number, roleIds: number[]) => Promise<unknown>;
  onClose: () => void;
}) {
  const key = useOpenKey(target !== null);
  return (
    <Modal opened={target !== null} onClose={onClose} title={title} centered data-testid="assign-modal">
      {target ? <AssignRolesForm key={key} kind={kind} target={target} onSave={onSave} onClose={onClose} /> : null}
    </Modal>
  );
}

/**
 * A list of who holds which roles (a folder's access, the tenant-wide roles): its header with an
 * "assign" button, the loading, error and empty states, and the table as `children`.
 */
export function AssignmentsPanel({
  title,
  hint,
  assign,
  query,
  empty,
  children,
}: {
  title: string;
  hint?: string;
  assign: { label: string; onClick: () => void; testId: string } | null;
  query: UseQueryResult<{ items: unknown[] }>;
  empty: { text: string; testId: string };
  children: ReactNode;
}) {
  return (
    <Panel
      title={title}
      actions={
        assign ? (
          <Button
            size="xs"
            leftSection={<IconUserPlus size={14} />}
            onClick={assign.onClick}
            data-testid={assign.testId}
          >
            {assign.label}
          </Button>
        ) : null
      }
    >
      {hint ? (
        <Text size="sm" c="dimmed" px="md" pt="sm">
          {hint}
        </Text>
      ) : null}
      {query.isPending ? <PageLoader /> : null}
      {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.isSuccess && query.data.items.length === 0 ? (
        <Text size="sm" c="dimmed" p="md" data-testid={empty.testId}>
          {empty.text}
        </Text>
      ) : null}
      {query.isSuccess && query.data.items.length > 0 ? children : null}
    </Panel>
  );
}

/** A user as the assignment lists show them: name (or e-mail) above the e-mail. */
export function UserCell({ user }: { user: { name: string; email: string } }) {
  return (
    <>
      <Text size="sm" fw={600}>
        {user.name || user.email}
      </Text>
      <Text size="xs" c="dimmed">
        {user.email}
      </Text>
    </>
  );
}
