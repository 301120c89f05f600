import {
  Alert,
  Anchor,
  Button,
  Code,
  Grid,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Timeline,
  Title,
} from "@mantine/core";
import { IconAlertTriangle, IconArrowLeft, IconPlayerStop, IconRefresh, IconSkull, IconX } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../../../api/client";
import type { JobDetail } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { PageLoader, QueryError } from "../../../components/feedback";
import { InvalidLink } from "../../../components/InvalidLink";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { isActiveJob, JobStateBadge, jobStateColor } from "../../../features/automation/badges";
import { JobLogs } from "../../../features/automation/JobLogs";
import { prettyJson } from "../../../features/automation/json";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { useServerText } from "../../../lib/serverText";
import { duration } from "./JobsPage";

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

export default function JobDetailPage() {
  const { t } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const key = tenantKey(ctx, "jobs", "detail", id);
  const query = useQuery({
    queryKey: key,
    queryFn: () => ctx.api.job(id),
    // Fresh through the tenant's change feed (useTenantChanges); this is only the safety net.
    refetchInterval: (q) => (q.state.data && isActiveJob(q.state.data.state) ? liveSafetyRefetchMs : false),
  });
  const machines = useQuery({
    queryKey: tenantKey(ctx, "machines"),
    queryFn: ctx.api.machines,
    enabled: ctx.canTenant("machines.view"),
  });

  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (isApiError(query.error) && query.error.status === 404)
      return (
        <InvalidLink
          title={t("jobs.notFound")}
          body={t("jobs.notFoundBody")}
          action={
            <Anchor component={Link} to={ctx.path("jobs")}>
              {t("jobs.back")}
            </Anchor>
          }
        />
      );
    return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  }
  const job: JobDetail = query.data;
  const machineName = (mid: number | null) =>
    mid == null ? "—" : (machines.data?.items.find((m) => m.id === mid)?.name ?? `#${mid}`);
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "jobs") });
  const canEdit = ctx.canFolder("jobs.edit", job.folderId);
  const canCreate = ctx.canFolder("jobs.create", job.folderId);
  const canLogs = ctx.canFolder("logs.view", job.folderId);

  const stop = (mode: "stop" | "kill") =>
    confirm({
      title: t(job.state === "pending" ? "jobs.cancelTitle" : mode === "kill" ? "jobs.killTitle" : "jobs.stopTitle", {
        name: job.processName,
        id: job.id,
      }),
      message: t(job.state === "pending" ? "jobs.cancelBody" : mode === "kill" ? "jobs.killBody" : "jobs.stopBody"),
      confirmLabel: t(job.state === "pending" ? "jobs.cancel" : mode === "kill" ? "jobs.kill" : "jobs.stop"),
      color: mode === "kill" ? "red" : "orange",
      action: async () => {
        await ctx.api.stopJob(job.id, mode);
        await refresh();
      },
    });
  const restart = () =>
    confirm({
      title: t("jobs.restartTitle", { name: job.processName, id: job.id }),
      message: t("jobs.restartBody"),
      confirmLabel: t("jobs.restart"),
      color: "indigo",
      action: async () => {
        const next = await ctx.api.restartJob(job.id);
        await refresh();
        void navigate(ctx.path(`jobs/${next.id}`));
      },
      successMessage: t("jobs.restarted"),
    });

  const actions = (
    <>
      {canEdit && job.state === "pending" ? (
        <Button
          color="orange"
          variant="light"
          leftSection={<IconX size={16} />}
          onClick={() => stop("stop")}
          data-testid="cancel-job"
        >
          {t("jobs.cancel")}
        </Button>
      ) : null}
      {canEdit && job.state === "running" ? (
        <Button
          color="orange"
          variant="light"
          leftSection={<IconPlayerStop size={16} />}
          onClick={() => stop("stop")}
          data-testid="stop-job"
        >
          {t("jobs.stop")}
        </Button>
      ) : null}
      {canEdit && (job.state === "running" || job.state === "stopping") ? (
        <Button
          color="red"
          variant="light"
          leftSection={<IconSkull size={16} />}
          onClick={() => stop("kill")}
          data-testid="kill-job"
        >
          {t("jobs.kill")}
        </Button>
      ) : null}
      {canCreate && !isActiveJob(job.state) && job.processId ? (
        <Button leftSection={<IconRefresh size={16} />} onClick={restart} data-testid="restart-job">
          {t("jobs.restart")}
        </Button>
      ) : null}
    </>
  );

  return (
    <>
      <PageHeader
        above={
          <Anchor component={Link} to={ctx.path("jobs")} size="sm">
            <Group gap={4}>
              <IconArrowLeft size={14} />
              {t("jobs.back")}
            </Group>
          </Anchor>
        }
        title={
          <Group gap="sm">
            <span>{job.processName}</span>
            <Text span c="dimmed" fz={20}>
              #{job.id}
            </Text>
            <JobStateBadge state={job.state} size="lg" />
          </Group>
        }
        description={t("jobs.detailDescription", { entryPoint: job.entryPoint, folder: ctx.folderPath(job.folderId) })}
        actions={actions}
      />
      {job.waitingFor ? (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle />} mb="md" data-testid="job-waiting-for">
          {t("jobs.waiting.label")}{" "}
          {t(`jobs.waiting.${job.waitingFor.code}`, {
            ...job.waitingFor.params,
            count: Number(
              job.waitingFor.params.count ?? job.waitingFor.params.slots ?? job.waitingFor.params.ahead ?? 1,
            ),
            defaultValue: job.waitingFor.message,
          })}
        </Alert>
      ) : null}
      {job.error ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle />}
          title={t("jobs.error")}
          mb="md"
          data-testid="job-error"
        >
          <Text size="sm" style={{ whiteSpace: "pre-wrap", fontFamily: "var(--mantine-font-family-monospace)" }}>
            {job.error}
          </Text>
        </Alert>
      ) : null}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="md">
            <Paper withBorder radius="md" p="md">
              <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md" verticalSpacing="md">
                <Fact label={t("jobs.machine")}>
                  {job.machineId ? (
                    <Anchor component={Link} to={ctx.path("machines")} size="sm">
                      {machineName(job.machineId)}
                    </Anchor>
                  ) : job.targetMachineId ? (
                    t("jobs.waitingFor", { name: machineName(job.targetMachineId) })
                  ) : (
                    "—"
                  )}
                </Fact>
                <Fact label={t("fields.priority")}>{job.priority}</Fact>
                <Fact label={t("jobs.startedBy")}>
                  {job.createdBy} · {job.source === "api" ? t("jobs.sourceApi") : t("jobs.sourceManual")}
                </Fact>
                <Fact label={t("jobs.duration")}>
                  <LiveDuration startedAt={job.startedAt} endedAt={job.endedAt} />
                </Fact>
                <Fact label={t("jobs.createdAt")}>
                  <Time value={job.createdAt} seconds />
                </Fact>
                <Fact label={t("jobs.startedAt")}>
                  <Time value={job.startedAt} seconds />
                </Fact>
                <Fact label={t("jobs.endedAt")}>
                  <Time value={job.endedAt} seconds />
                </Fact>
                <Fact label={t("jobs.limits")} testId="job-limits">
                  {[
                    job.stopAfterSeconds ? t("jobs.limitsStop", { stop: job.stopAfterSeconds }) : null,
                    job.killAfterSeconds ? t("jobs.limitsKill", { kill: job.killAfterSeconds }) : null,
                  ]
                    .filter((part) => part !== null)
                    .join(", ") || "—"}
                </Fact>
              </SimpleGrid>
            </Paper>
            <Paper withBorder radius="md" p="md">
              <Title order={4} mb="sm">
                {t("logs.title")}
              </Title>
              {canLogs ? (
                <JobLogs jobId={job.id} onEnd={() => void refresh()} />
              ) : (
                <Text size="sm" c="dimmed">
                  {t("logs.noPermission")}
                </Text>
              )}
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="md">
            <Paper withBorder radius="md" p="md" data-testid="job-timeline">
              <Title order={4} mb="md">
                {t("jobs.timeline")}
              </Title>
              <Timeline active={job.timeline.length - 1} bulletSize={14} lineWidth={2}>
                {job.timeline.map((entry, index) => (
                  <Timeline.Item
                    // biome-ignore lint/suspicious/noArrayIndexKey: the timeline only grows at its end
                    key={index}
                    color={jobStateColor[entry.state as keyof typeof jobStateColor] ?? "gray"}
                    title={
                      <Text size="sm" fw={600}>
                        {t(`jobs.state.${entry.state as keyof typeof jobStateColor}`, { defaultValue: entry.state })}
                      </Text>
                    }
                  >
                    <Text size="xs" c="dimmed">
                      <Time value={entry.at} seconds /> · {entry.actorName}
                    </Text>
                    {entry.reason ? <Text size="xs">{serverText.jobReason(entry)}</Text> : null}
                  </Timeline.Item>
                ))}
              </Timeline>
            </Paper>
            <Paper withBorder radius="md" p="md">
              <Title order={5} mb="xs">
                {t("jobs.inputArguments")}
              </Title>
              <Code block data-testid="job-input">
                {prettyJson(job.inputArguments)}
              </Code>
              <Title order={5} mt="md" mb="xs">
                {t("jobs.outputArguments")}
              </Title>
              {job.outputArguments ? (
                <Code block data-testid="job-output">
                  {prettyJson(job.outputArguments)}
                </Code>
              ) : (
                <Text size="sm" c="dimmed">
                  {t("jobs.noOutput")}
                </Text>
              )}
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
      {confirmModal}
    </>
  );
}

/** A job's duration; while it runs (started, not ended) it ticks every second. */
function LiveDuration({ startedAt, endedAt }: { startedAt: string | null; endedAt: string | null }) {
  const running = startedAt !== null && endedAt === null;
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setTick((n) => n + 1), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  return <span data-testid="job-duration">{duration(startedAt, endedAt)}</span>;
}
