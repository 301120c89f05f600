import { ActionIcon, Button, Group, Select, Stack, Table, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormError } from "../../components/feedback";
import { Time } from "../../components/Time";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { tenantKey, useTenant } from "../automation/tenant";
import { type Asset, assetsApi } from "./api";
import { draftOf, draftValue, ValueInput, ValueText } from "./ValueInput";

const FIELDS = ["machineId", "value", "value.username", "value.password"] as const;

/**
 * The asset's per-machine values: a machine's own value wins over the global one for its jobs.
 * Lists them, sets one for a chosen machine and removes one.
 */
export function MachineValues({ asset, onChange }: { asset: Asset; onChange: (asset: Asset) => void }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const api = assetsApi(ctx.org, ctx.tenantId);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const machines = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: ctx.canTenant("machines.view"),
  });
  const [machineId, setMachineId] = useState<string | null>(null);
  const existing = asset.machineValues.find((v) => String(v.machineId) === machineId);
  const [draft, setDraft] = useState(draftOf(null));
  const keepsPassword = asset.type === "credential" && !!existing;

  const choose = (id: string | null) => {
    setMachineId(id);
    setDraft(draftOf(asset.machineValues.find((v) => String(v.machineId) === id)?.value));
    errors.clear();
  };
  const refresh = async (next: Asset) => {
    onChange(next);
    await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "assets") });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!machineId) return invalid({ machineId: t("validation.required") });
    const value = draftValue(asset.type, draft, keepsPassword, t("validation.required"));
    if ("errors" in value) return invalid(value.errors);
    const name = machines.data?.items.find((m) => String(m.id) === machineId)?.name ?? machineId;
    await run(async () => {
      await refresh(await api.setMachineValue(asset.id, Number(machineId), value.value));
      notifications.show({ color: "teal", message: t("assets.machineValueSaved", { machine: name }) });
      choose(null);
    });
  };

  const remove = async (id: number, name: string) => {
    await run(async () => {
      await api.removeMachineValue(asset.id, id);
      await refresh({ ...asset, machineValues: asset.machineValues.filter((v) => v.machineId !== id) });
      notifications.show({ color: "teal", message: t("assets.machineValueRemoved", { machine: name }) });
    });
  };

  return (
    <Stack gap="sm" data-testid="machine-values">
      <div>
        <Text fw={600}>{t("assets.machineValues")}</Text>
        <Text size="sm" c="dimmed">
          {t("assets.machineValuesHint")}
        </Text>
      </div>
      {asset.machineValues.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="machine-values-empty">
          {t("assets.noMachineValues")}
        </Text>
      ) : (
        <Table verticalSpacing={6} data-testid="machine-values-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("assets.machine")}</Table.Th>
              <Table.Th>{t("assets.value")}</Table.Th>
              <Table.Th>{t("assets.updated")}</Table.Th>
              <Table.Th w={40} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {asset.machineValues.map((v) => (
              <Table.Tr key={v.machineId} data-testid={`machine-value-${v.machineName}`}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {v.machineName}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <ValueText value={v.value} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    <Time value={v.updatedAt} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Tooltip label={t("assets.removeMachineValue")}>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={t("assets.removeMachineValue")}
                      onClick={() => void remove(v.machineId, v.machineName)}
                      data-testid="remove-machine-value"
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {ctx.canTenant("machines.view") ? (
        <form ref={formRef} onSubmit={submit} noValidate data-testid="machine-value-form">
          <Stack gap="sm">
            <Select
              name="machineId"
              label={t("assets.machine")}
              placeholder={t("assets.chooseMachine")}
              data={(machines.data?.items ?? []).map((m) => ({ value: String(m.id), label: m.name }))}
              value={machineId}
              onChange={choose}
              searchable
              error={errors.fieldErrors.machineId}
              data-testid="machine-value-machine"
            />
            {machineId ? (
              <ValueInput
                type={asset.type}
                draft={draft}
                onChange={setDraft}
                errors={errors.fieldErrors}
                keepsPassword={keepsPassword}
                testPrefix="machine-value"
              />
            ) : null}
            <FormError message={errors.formError} />
            <Group justify="flex-end">
              <Button
                type="submit"
                variant="light"
                loading={pending}
                disabled={!machineId}
                data-testid="machine-value-submit"
              >
                {t("assets.setMachineValue")}
              </Button>
            </Group>
          </Stack>
        </form>
      ) : null}
    </Stack>
  );
}
