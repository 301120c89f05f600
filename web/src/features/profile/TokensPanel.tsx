import {
  ActionIcon,
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconCopy, IconKey, IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { meApi } from "../../api/endpoints";
import type { CreatedAccessToken } from "../../api/types";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { FormError, PageLoader, Panel, QueryError } from "../../components/feedback";
import { Time } from "../../components/Time";
import { type FieldErrors, useFormErrors } from "../../lib/errors";
import { useFormat } from "../../lib/format";
import { useOpenKey } from "../../lib/useOpenKey";

const TOKEN_FIELDS = ["name", "expiresInDays"] as const;

function CreateTokenForm({
  onCreated,
  onClose,
}: {
  onCreated: (token: CreatedAccessToken) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const errors = useFormErrors(TOKEN_FIELDS);
  const [name, setName] = useState("");
  const [days, setDays] = useState<number | string>("");
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!name.trim()) local.name = t("validation.required");
    if (days !== "" && (typeof days !== "number" || !Number.isInteger(days) || days < 1))
      local.expiresInDays = t("validation.positiveInteger");
    if (Object.keys(local).length) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      const token = await meApi.createToken({
        name: name.trim(),
        expiresInDays: typeof days === "number" ? days : undefined,
      });
      await queryClient.invalidateQueries({ queryKey: ["me", "tokens"] });
      onCreated(token);
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="create-token-form">
      <Stack gap="md">
        <TextInput
          name="name"
          label={t("tokens.name")}
          description={t("tokens.nameHint")}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            errors.clearField("name");
          }}
          error={errors.fieldErrors.name}
          required
          data-autofocus
        />
        <NumberInput
          name="expiresInDays"
          label={t("tokens.expiresInDays")}
          description={t("tokens.expiresInDaysHint")}
          min={1}
          allowDecimal={false}
          allowNegative={false}
          value={days}
          onChange={(value) => {
            setDays(value);
            errors.clearField("expiresInDays");
          }}
          error={errors.fieldErrors.expiresInDays}
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} disabled={pending}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={pending} data-testid="create-token-submit">
            {t("tokens.create")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function TokenCreatedModal({ token, onClose }: { token: CreatedAccessToken | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={token !== null}
      onClose={onClose}
      title={t("tokens.createdTitle")}
      centered
      size="lg"
      closeOnClickOutside={false}
      data-testid="token-created"
    >
      {token ? (
        <Stack gap="md">
          <Alert color="orange" variant="light" icon={<IconAlertTriangle />} title={t("tokens.onceTitle")}>
            {t("tokens.onceBody")}
          </Alert>
          <Group gap="xs" wrap="nowrap" align="center">
            <Code block style={{ flex: 1, wordBreak: "break-all", whiteSpace: "pre-wrap" }} data-testid="token-value">
              {token.token}
            </Code>
            <CopyButton value={token.token} timeout={2000}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? t("tokens.copied") : t("tokens.copy")} withArrow>
                  <ActionIcon
                    size="lg"
                    variant={copied ? "filled" : "light"}
                    color={copied ? "teal" : "indigo"}
                    onClick={copy}
                    aria-label={t("tokens.copy")}
                    data-testid="token-copy"
                  >
                    {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose} data-autofocus data-testid="token-done">
              {t("tokens.done")}
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}

/** Personal access tokens: list, create (shown once), revoke. */
export function TokensPanel() {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedAccessToken | null>(null);
  const [confirm, confirmModal] = useConfirm();
  const formKey = useOpenKey(creating);
  const query = useQuery({ queryKey: ["me", "tokens"], queryFn: meApi.tokens });
  const tokens = query.data?.items ?? [];

  const newButton = (
    <Button size="xs" leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="new-token">
      {t("tokens.new")}
    </Button>
  );

  return (
    <>
      <Panel title={t("tokens.title")} actions={newButton}>
        <Text size="sm" c="dimmed" px="md" pt="sm">
          {t("tokens.description")}
        </Text>
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && tokens.length === 0 ? (
          <EmptyPanel icon={<IconKey size={28} />} title={t("tokens.empty")} />
        ) : null}
        {tokens.length > 0 ? (
          <Table.ScrollContainer minWidth={600}>
            <Table className="dirigent-table" data-testid="tokens-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("tokens.name")}</Table.Th>
                  <Table.Th>{t("fields.created")}</Table.Th>
                  <Table.Th>{t("tokens.expires")}</Table.Th>
                  <Table.Th>{t("tokens.lastUsed")}</Table.Th>
                  <Table.Th w={48}>
                    <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.map((token) => (
                  <Table.Tr key={token.id} data-testid={`token-row-${token.name}`}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {token.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {format.date(token.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {format.date(token.expiresAt, t("tokens.noExpiry"))}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        <Time value={token.lastUsedAt} fallback={format.never} />
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={t("tokens.revoke")}>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={t("tokens.revokeNamed", { name: token.name })}
                          data-testid="revoke-token"
                          onClick={() =>
                            confirm({
                              title: t("tokens.revokeTitle", { name: token.name }),
                              message: t("tokens.revokeBody"),
                              confirmLabel: t("tokens.revoke"),
                              action: async () => {
                                await meApi.revokeToken(token.id);
                                await queryClient.invalidateQueries({ queryKey: ["me", "tokens"] });
                              },
                              successMessage: t("tokens.revoked", { name: token.name }),
                            })
                          }
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Panel>
      <Modal opened={creating} onClose={() => setCreating(false)} title={t("tokens.new")} centered>
        <CreateTokenForm
          key={formKey}
          onClose={() => setCreating(false)}
          onCreated={(token) => {
            setCreating(false);
            setCreated(token);
          }}
        />
      </Modal>
      <TokenCreatedModal token={created} onClose={() => setCreated(null)} />
      {confirmModal}
    </>
  );
}
