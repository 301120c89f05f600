import { Button, Checkbox, Group, Stack } from "@mantine/core";
import { IconPlayerPause, IconPlayerPlay, IconPlayerStop } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { MaintenancePhase, MaintenanceState } from "../../api/types";
import type { ConfirmRequest } from "../../components/ConfirmModal";
import { DateTimeInput } from "../../components/DateTimeInput";
import { localInputToIso } from "../../lib/format";

function KillJobsOption({ onChange }: { onChange: (value: boolean) => void }) {
  const { t } = useTranslation();
  const [checked, setChecked] = useState(false);
  return (
    <Checkbox
      label={t("maintenance.killJobs")}
      description={t("maintenance.killJobsHint")}
      checked={checked}
      onChange={(e) => {
        setChecked(e.currentTarget.checked);
        onChange(e.currentTarget.checked);
      }}
      data-testid="kill-jobs"
    />
  );
}

/** The end to announce (optional): users' maintenance page and Retry-After count down to it. */
function ExpectedEndOption({ onChange }: { onChange: (value: string | null) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState("");
  return (
    <DateTimeInput
      kind="datetime-local"
      name="expectedEndAt"
      label={t("maintenance.expectedEnd")}
      description={t("maintenance.expectedEndHint")}
      value={value}
      onChange={(next) => {
        setValue(next);
        onChange(next ? localInputToIso(next) || null : null);
      }}
      data-testid="expected-end"
    />
  );
}

function NotifyOption({ onChange }: { onChange: (value: boolean) => void }) {
  const { t } = useTranslation();
  const [checked, setChecked] = useState(false);
  return (
    <Checkbox
      name="notify"
      label={t("maintenance.notify")}
      description={t("maintenance.notifyHint")}
      checked={checked}
      onChange={(e) => {
        setChecked(e.currentTarget.checked);
        onChange(e.currentTarget.checked);
      }}
      data-testid="notify-admins"
    />
  );
}

/**
 * Start/suspend/end actions for the installation (no tenant) or one tenant, each behind a
 * confirmation that says what the phase does.
 */
export function useMaintenanceActions(confirm: (request: ConfirmRequest) => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const killJobs = useRef(false);
  const notify = useRef(false);
  const expectedEnd = useRef<string | null>(null);
  const notifyOption = <NotifyOption onChange={(value) => (notify.current = value)} />;
  const expectedEndOption = <ExpectedEndOption onChange={(value) => (expectedEnd.current = value)} />;

  const apply = async (call: Promise<MaintenanceState>) => {
    const state = await call;
    if (state && typeof state === "object" && "phase" in state)
      queryClient.setQueryData(["host", "maintenance"], state);
    await queryClient.invalidateQueries({ queryKey: ["host", "maintenance"] });
    await queryClient.invalidateQueries({ queryKey: ["host", "dashboard"] });
  };

  return {
    startDraining(scope: { tenantId?: number; label: string }) {
      notify.current = false;
      expectedEnd.current = null;
      confirm({
        title: t("maintenance.confirmDrainTitle", { scope: scope.label }),
        message: t("maintenance.confirmDrainBody"),
        extra: (
          <Stack gap="sm">
            {expectedEndOption}
            {notifyOption}
          </Stack>
        ),
        confirmLabel: t("maintenance.startDraining"),
        color: "orange",
        action: () =>
          apply(
            hostApi.startMaintenance({
              phase: "draining",
              tenantId: scope.tenantId,
              ...(notify.current && { notify: true }),
              ...(expectedEnd.current && { expectedEndAt: expectedEnd.current }),
            }),
          ),
        successMessage: t("maintenance.drainingStarted"),
      });
    },
    suspend(scope: { tenantId?: number; label: string }) {
      killJobs.current = false;
      notify.current = false;
      expectedEnd.current = null;
      confirm({
        title: t("maintenance.confirmSuspendTitle", { scope: scope.label }),
        message: t("maintenance.confirmSuspendBody"),
        extra: (
          <Stack gap="sm">
            <KillJobsOption onChange={(value) => (killJobs.current = value)} />
            {expectedEndOption}
            {notifyOption}
          </Stack>
        ),
        confirmLabel: t("maintenance.suspend"),
        color: "red",
        action: () =>
          apply(
            hostApi.startMaintenance({
              phase: "suspended",
              killJobs: killJobs.current,
              tenantId: scope.tenantId,
              ...(notify.current && { notify: true }),
              // Empty keeps the end announced when draining started.
              ...(expectedEnd.current && { expectedEndAt: expectedEnd.current }),
            }),
          ),
        successMessage: t("maintenance.suspended"),
      });
    },
    end(scope: { tenantId?: number; label: string }) {
      notify.current = false;
      confirm({
        title: t("maintenance.confirmEndTitle", { scope: scope.label }),
        message: t("maintenance.confirmEndBody"),
        extra: notifyOption,
        confirmLabel: t("maintenance.end"),
        color: "teal",
        action: () =>
          apply(hostApi.endMaintenance({ tenantId: scope.tenantId, ...(notify.current && { notify: true }) })),
        successMessage: t("maintenance.ended"),
      });
    },
  };
}

export type Actions = ReturnType<typeof useMaintenanceActions>;

/** The buttons that are valid from `phase` (none → draining → suspended → none). */
export function PhaseButtons({
  phase,
  scope,
  actions,
  size = "sm",
}: {
  phase: MaintenancePhase;
  scope: { tenantId?: number; label: string };
  actions: Actions;
  size?: "xs" | "sm";
}) {
  const { t } = useTranslation();
  return (
    <Group gap="xs">
      {phase === "none" ? (
        <Button
          size={size}
          color="orange"
          leftSection={<IconPlayerPause size={16} />}
          onClick={() => actions.startDraining(scope)}
          data-testid="start-draining"
        >
          {t("maintenance.startDraining")}
        </Button>
      ) : null}
      {phase === "draining" ? (
        <Button
          size={size}
          color="red"
          variant="light"
          leftSection={<IconPlayerStop size={16} />}
          onClick={() => actions.suspend(scope)}
          data-testid="suspend"
        >
          {t("maintenance.suspend")}
        </Button>
      ) : null}
      {phase !== "none" ? (
        <Button
          size={size}
          color="teal"
          leftSection={<IconPlayerPlay size={16} />}
          onClick={() => actions.end(scope)}
          data-testid="end-maintenance"
        >
          {t("maintenance.end")}
        </Button>
      ) : null}
    </Group>
  );
}
