import { Badge, Loader, Tooltip } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { QueueItemStatus, SlaColour } from "../../../../src/shared/queues";

export const itemStatusColor: Record<QueueItemStatus, string> = {
  new: "gray",
  inProgress: "blue",
  successful: "teal",
  failed: "red",
  abandoned: "orange",
  retried: "grape",
  deleted: "dark",
};

export function ItemStatusBadge({ status }: { status: QueueItemStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={itemStatusColor[status]}
      variant={status === "new" || status === "deleted" || status === "retried" ? "light" : "filled"}
      leftSection={status === "inProgress" ? <Loader size={10} color="white" type="oval" /> : undefined}
      data-testid="item-status"
      data-status={status}
    >
      {t(`queues.status.${status}`)}
    </Badge>
  );
}

const slaColor: Record<SlaColour, string> = { grey: "gray", green: "teal", orange: "orange", red: "red" };

export function SlaBadge({ colour }: { colour: SlaColour }) {
  const { t } = useTranslation();
  return (
    <Tooltip label={t(`queues.slaHint.${colour}`)}>
      <Badge color={slaColor[colour]} variant="dot" data-testid="sla" data-colour={colour}>
        {t(`queues.sla.${colour}`)}
      </Badge>
    </Tooltip>
  );
}
