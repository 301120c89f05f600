import { Group, Paper, SimpleGrid, Stack, Stepper, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { MaintenancePhase, MaintenanceState, MaintenanceWindow } from "../../api/types";
import { PhaseBadge } from "../../components/badges";
import { useFormat } from "../../lib/format";

import { type Actions, PhaseButtons } from "./actions";

const phaseStep: Record<MaintenancePhase, number> = { none: 0, draining: 1, suspended: 2 };

function WindowStats({ window }: { window: MaintenanceWindow }) {
  const { t } = useTranslation();
  const format = useFormat();
  const stat = (label: string, value: ReactNode) => (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="sm" fw={600}>
        {value}
      </Text>
    </div>
  );
  return (
    <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="md">
      {stat(t("maintenance.since"), format.dateTime(window.startedAt))}
      {stat(
        t("maintenance.expectedEnd"),
        <span data-testid="maintenance-expected-end">
          {window.expectedEndAt ? format.dateTime(window.expectedEndAt) : t("maintenance.noExpectedEnd")}
        </span>,
      )}
      {stat(t("maintenance.jobStops"), format.number(window.jobStopsAttempted))}
      {stat(t("maintenance.jobKills"), format.number(window.jobKillsAttempted))}
      {stat(t("maintenance.triggersSkipped"), format.number(window.triggersSkipped))}
    </SimpleGrid>
  );
}

/** The installation-wide phase, its stepper, counters and actions. */
export function HostPhasePanel({ state, actions }: { state: MaintenanceState; actions: Actions }) {
  const { t } = useTranslation();
  const scope = { label: t("maintenance.theWholeInstallation") };
  return (
    <Paper withBorder radius="md" p="lg" data-testid="host-maintenance">
      <Stack gap="lg">
        <Group justify="space-between" align="flex-start">
          <Stack gap={6}>
            <Text size="sm" c="dimmed" fw={600}>
              {t("maintenance.wholeInstallation")}
            </Text>
            <Group gap="sm">
              <Title order={3} fz={22}>
                {t("maintenance.currentPhase")}
              </Title>
              <PhaseBadge phase={state.phase} size="xl" />
            </Group>
            <Text size="sm" c="dimmed" maw={640}>
              {t(`maintenance.phaseHelp.${state.phase}`)}
            </Text>
          </Stack>
          <PhaseButtons phase={state.phase} scope={scope} actions={actions} />
        </Group>
        <Stepper
          active={phaseStep[state.phase]}
          size="sm"
          allowNextStepsSelect={false}
          color={state.phase === "suspended" ? "red" : "orange"}
        >
          <Stepper.Step label={t("maintenance.phase.none")} description={t("maintenance.stepNone")} />
          <Stepper.Step label={t("maintenance.phase.draining")} description={t("maintenance.stepDraining")} />
          <Stepper.Step label={t("maintenance.phase.suspended")} description={t("maintenance.stepSuspended")} />
        </Stepper>
        {state.current ? <WindowStats window={state.current} /> : null}
      </Stack>
    </Paper>
  );
}
