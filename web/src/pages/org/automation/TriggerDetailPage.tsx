import { Anchor, Badge, Button, Group, Stack, Table, Tabs, Text } from "@mantine/core";
import { IconArrowLeft } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { PageLoader, Panel, QueryError } from "../../../components/feedback";
import { ListTable } from "../../../components/ListTable";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { JobStateBadge } from "../../../features/automation/badges";
import { tenantKey, useTenant } from "../../../features/automation/tenant";
import { liveSafetyRefetchMs } from "../../../features/automation/useTenantChanges";
import { queueApi } from "../../../features/queues/api";
import { formatInZone, triggersApi } from "../../../features/triggers/api";
import { useServerText } from "../../../lib/serverText";

const outcomeColor = { fired: "teal", skipped: "gray", failed: "orange" } as const;

/** One trigger: its schedule, the jobs it started and what became of each fire time. */
export default function TriggerDetailPage() {
  const { t, i18n } = useTranslation();
  const serverText = useServerText();
  const ctx = useTenant();
  const { id = "" } = useParams();
  const api = useMemo(() => triggersApi(ctx.org, ctx.tenantId), [ctx.org, ctx.tenantId]);
  const trigger = useQuery({ queryKey: tenantKey(ctx, "triggers", "detail", id), queryFn: () => api.get(Number(id)) });
  const history = useQuery({
    queryKey: tenantKey(ctx, "triggers", "history", id),
    queryFn: () => api.history(Number(id)),
    refetchInterval: liveSafetyRefetchMs,
  });
  const jobs = useQuery({
    queryKey: tenantKey(ctx, "triggers", "jobs", id),
    queryFn: () => api.jobs(Number(id)),
    refetchInterval: liveSafetyRefetchMs,
  });
  const queueId = trigger.data?.queueId ?? null;
  const queue = useQuery({
    queryKey: tenantKey(ctx, "queues", "detail", queueId ?? 0),
    queryFn: () => queueApi(ctx.api.base).get(queueId ?? 0),
    enabled: queueId !== null,
  });
  if (trigger.isLoading) return <PageLoader />;
  if (trigger.isError || !trigger.data)
    return <QueryError error={trigger.error} onRetry={() => void trigger.refetch()} />;
  const tr = trigger.data;
  const lang = i18n.resolvedLanguage ?? "en";
  return (
    <>
      <PageHeader
        title={tr.name}
        description={
          tr.type === "queue"
            ? `${t("triggers.queueLabel", { name: queue.data?.name ?? `#${tr.queueId}` })} · ${t("triggers.queueRule", {
                min: tr.minItems,
                max: tr.maxConcurrentJobs,
                per: tr.itemsPerJob,
              })}`
            : tr.type === "http"
              ? `${tr.method} …/triggers/http/${tr.slug}`
              : `${tr.summary ?? ""} · ${tr.cron} · ${tr.timeZone}`
        }
        actions={
          <Button
            variant="default"
            component={Link}
            to={ctx.path("triggers")}
            leftSection={<IconArrowLeft size={16} />}
          >
            {t("triggers.back")}
          </Button>
        }
      />
      <Panel>
        <Stack gap={4} p="md">
          <Group gap="xs">
            <Badge color={tr.enabled ? "teal" : "gray"}>{tr.enabled ? t("triggers.on") : t("triggers.off")}</Badge>
            <Text size="sm">
              {t("triggers.nextRun")}: {formatInZone(tr.nextFireTime, tr.timeZone ?? "UTC", lang)}
            </Text>
          </Group>
          {tr.disabledReason ? (
            <Text size="sm" c="dimmed">
              {serverText.triggerDisabledReason(tr)}
            </Text>
          ) : null}
        </Stack>
        <Tabs defaultValue="history">
          <Tabs.List px="md">
            <Tabs.Tab value="history" data-testid="tab-history">
              {t("triggers.history")}
            </Tabs.Tab>
            <Tabs.Tab value="jobs" data-testid="tab-jobs">
              {t("triggers.jobs")}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="history">
            {(history.data?.items ?? []).length === 0 ? (
              <Text p="md" size="sm" c="dimmed">
                {t("triggers.noHistory")}
              </Text>
            ) : (
              <ListTable
                minWidth={700}
                testId="trigger-history"
                head={
                  <>
                    <Table.Th>{t("triggers.fireTime")}</Table.Th>
                    <Table.Th>{t("triggers.outcomeLabel")}</Table.Th>
                    <Table.Th>{t("triggers.reason")}</Table.Th>
                  </>
                }
              >
                {(history.data?.items ?? []).map((h) => (
                  <Table.Tr key={h.id}>
                    <Table.Td>
                      <Text size="sm">{formatInZone(h.fireTime, tr.timeZone ?? "UTC", lang)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={outcomeColor[h.outcome]}>
                        {t(`triggers.outcome.${h.outcome}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {h.reason ??
                          h.jobIds.map((j) => (
                            <Anchor key={j} component={Link} to={ctx.path(`jobs/${j}`)} mr={6}>
                              #{j}
                            </Anchor>
                          ))}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </ListTable>
            )}
          </Tabs.Panel>
          <Tabs.Panel value="jobs">
            {(jobs.data?.items ?? []).length === 0 ? (
              <Text p="md" size="sm" c="dimmed">
                {t("triggers.noJobs")}
              </Text>
            ) : (
              <ListTable
                minWidth={600}
                testId="trigger-jobs"
                head={
                  <>
                    <Table.Th>#</Table.Th>
                    <Table.Th>{t("triggers.state")}</Table.Th>
                    <Table.Th>{t("triggers.createdAt")}</Table.Th>
                  </>
                }
              >
                {(jobs.data?.items ?? []).map((j) => (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Anchor component={Link} to={ctx.path(`jobs/${j.id}`)}>
                        #{j.id}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <JobStateBadge state={j.state} size="sm" />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        <Time value={j.createdAt} seconds />
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </ListTable>
            )}
          </Tabs.Panel>
        </Tabs>
      </Panel>
    </>
  );
}
