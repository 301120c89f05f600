import { Anchor, Button, Code, Grid, Group, Paper, Stack, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft, IconBuildingOff, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../../api/client";
import { hostApi } from "../../api/endpoints";
import type { Organization } from "../../api/types";
import { StatusBadge } from "../../components/badges";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { FormError, PageLoader, QueryError } from "../../components/feedback";
import { PageHeader } from "../../components/PageHeader";
import { SegmentedField } from "../../components/SegmentedField";
import { useOrganizationActions } from "../../features/organizations/useOrganizationActions";
import { TenantsPanel } from "../../features/tenants/TenantsPanel";
import { useFormErrors } from "../../lib/errors";
import { useFormat } from "../../lib/format";

const FIELDS = ["name", "status"] as const;

function OrganizationForm({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(org.name);
  const [status, setStatus] = useState<Organization["status"]>(org.status);
  const errors = useFormErrors(FIELDS);
  const dirty = name.trim() !== org.name || status !== org.status;

  const mutation = useMutation({
    mutationFn: (body: { name?: string; status?: Organization["status"] }) =>
      hostApi.updateOrganization(org.slug, body),
    onSuccess: async (updated) => {
      queryClient.setQueryData(["host", "organization", org.slug], updated);
      await queryClient.invalidateQueries({ queryKey: ["host"] });
      notifications.show({ color: "teal", message: t("common.saved") });
    },
    onError: (error) => errors.show(error),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      errors.setFieldErrors({ name: t("validation.required") });
      return;
    }
    errors.clear();
    mutation.mutate({
      name: name.trim() !== org.name ? name.trim() : undefined,
      status: status !== org.status ? status : undefined,
    });
  };

  return (
    <Paper withBorder radius="md" p="lg">
      <form onSubmit={submit} noValidate data-testid="organization-form">
        <Stack gap="md">
          <Title order={3} fz="md">
            {t("organizations.details")}
          </Title>
          <TextInput
            name="name"
            label={t("organizations.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clearField("name");
            }}
            error={errors.fieldErrors.name}
            required
          />
          <SegmentedField
            label={t("fields.status")}
            description={t("organizations.statusHint")}
            value={status}
            onChange={setStatus}
            error={errors.fieldErrors.status}
            color={status === "active" ? "teal" : "gray"}
            data={[
              { value: "active", label: t("status.active") },
              { value: "disabled", label: t("status.disabled") },
            ]}
            testId="organization-status"
          />
          <FormError message={errors.formError} type={errors.formErrorType} />
          <Group justify="flex-end">
            <Button type="submit" disabled={!dirty} loading={mutation.isPending} data-testid="organization-save">
              {t("common.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export default function OrganizationDetailPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  const slug = useParams().org ?? "";
  const [confirm, confirmModal] = useConfirm();
  const actions = useOrganizationActions(confirm, () => void navigate("/host/organizations", { replace: true }));
  const query = useQuery({ queryKey: ["host", "organization", slug], queryFn: () => hostApi.organization(slug) });

  const back = (
    <Anchor component={Link} to="/host/organizations" size="sm" c="dimmed">
      <Group gap={4}>
        <IconArrowLeft size={14} />
        {t("organizations.back")}
      </Group>
    </Anchor>
  );

  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (isApiError(query.error) && query.error.status === 404) {
      return (
        <>
          {back}
          <EmptyPanel icon={<IconBuildingOff size={32} />} title={t("organizations.notFound")} description={slug} />
        </>
      );
    }
    return (
      <>
        {back}
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const org = query.data;

  return (
    <>
      <PageHeader
        above={back}
        title={
          <Group gap="sm">
            <span data-testid="organization-name">{org.name}</span>
            <StatusBadge status={org.status} />
          </Group>
        }
        description={
          <>
            <Code>{org.slug}</Code> · {t("organizations.createdOn", { date: format.date(org.createdAt) })}
          </>
        }
        actions={
          <Button
            variant="light"
            color="red"
            leftSection={<IconTrash size={16} />}
            onClick={() => actions.remove(org)}
            data-testid="delete-organization"
          >
            {t("organizations.delete")}
          </Button>
        }
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <OrganizationForm key={`${org.name}|${org.status}`} org={org} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <TenantsPanel endpoints={hostApi.tenants(org.slug)} />
        </Grid.Col>
      </Grid>
      {confirmModal}
    </>
  );
}
