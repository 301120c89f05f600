import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AccountStatus, MaintenancePhase, OrgRole } from "../api/types";

export function StatusBadge({ status }: { status: AccountStatus }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={status === "active" ? "teal" : "gray"} data-status={status}>
      {t(`status.${status}`)}
    </Badge>
  );
}

export const phaseColor: Record<MaintenancePhase, string> = { none: "teal", draining: "orange", suspended: "red" };

export function PhaseBadge({ phase, size = "md" }: { phase: MaintenancePhase; size?: "sm" | "md" | "lg" | "xl" }) {
  const { t } = useTranslation();
  return (
    <Badge variant={phase === "none" ? "light" : "filled"} color={phaseColor[phase]} size={size} data-phase={phase}>
      {t(`maintenance.phase.${phase}`)}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: OrgRole }) {
  const { t } = useTranslation();
  return (
    <Badge variant="outline" color={role === "org_admin" ? "indigo" : "gray"}>
      {t(`roles.${role}`)}
    </Badge>
  );
}
