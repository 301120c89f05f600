import { Anchor, Group, List, Paper, Progress, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { orgApi, tenantApi } from "../../api/endpoints";
import { DoneMark } from "../../components/DoneMark";
import { tenantPath } from "../automation/tenant";

/**
 * The first steps of a new organization on its overview, for its administrators: e-mail set up,
 * a robot connected, a process run, each with a link to where it is done. Gone once all are done
 * (or while any answer is missing, rather than showing a false "not done").
 */
export function FirstRunChecklist({ org }: { org: string }) {
  const { t } = useTranslation();
  const email = useQuery({ queryKey: ["orgs", org, "settings", "email"], queryFn: () => orgApi.emailSettings(org) });
  const tenants = useQuery({ queryKey: ["orgs", org, "tenants"], queryFn: () => orgApi.tenants(org).list() });
  const active = (tenants.data?.items ?? []).filter((x) => x.status === "active");
  const machines = useQueries({
    queries: active.map((tenant) => ({
      queryKey: ["orgs", org, "tenant", String(tenant.id), "machines"],
      queryFn: () => tenantApi(org, String(tenant.id)).machines(),
    })),
  });
  const runs = useQueries({
    queries: active.map((tenant) => ({
      queryKey: ["orgs", org, "tenant", String(tenant.id), "jobs", "first-run"],
      queryFn: () => tenantApi(org, String(tenant.id)).jobs({ state: "successful", limit: 1 }),
    })),
  });
  const first = active[0];
  if (!email.data || !tenants.data || !first) return null;
  if (machines.some((q) => !q.data) || runs.some((q) => !q.data)) return null;

  const e = email.data;
  const mailReady = e.mode === "custom" ? Boolean(e.enabled && e.smtpHost && e.fromAddress) : e.installation.enabled;
  const robotConnected = machines.some((q) => q.data?.items.some((m) => m.state !== "disconnected"));
  const processRun = runs.some((q) => (q.data?.items.length ?? 0) > 0);
  const steps = [
    {
      key: "email",
      done: mailReady,
      to: "/org/settings/email",
      label: t("firstRun.email"),
      hint: t("firstRun.emailHint"),
    },
    {
      key: "machine",
      done: robotConnected,
      to: tenantPath(first.id, "machines"),
      label: t("firstRun.machine"),
      hint: t("firstRun.machineHint"),
    },
    {
      key: "process",
      done: processRun,
      to: tenantPath(first.id, "processes"),
      label: t("firstRun.process"),
      hint: t("firstRun.processHint"),
    },
  ];
  const done = steps.filter((s) => s.done).length;
  if (done === steps.length) return null;
  return (
    <Paper withBorder radius="md" p="md" mb="lg" data-testid="first-run-checklist">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="md">
          {t("firstRun.title")}
        </Title>
        <Text size="sm" c="dimmed" data-testid="first-run-progress">
          {t("firstRun.progress", { done, total: steps.length })}
        </Text>
      </Group>
      <Progress value={(done / steps.length) * 100} size="sm" mb="md" aria-hidden />
      <List spacing="sm" center>
        {steps.map((step) => (
          <List.Item
            key={step.key}
            data-testid={`first-run-${step.key}`}
            data-done={step.done}
            icon={<DoneMark done={step.done} size="sm" />}
          >
            {step.done ? (
              <Text size="sm" td="line-through" c="dimmed">
                {step.label}
              </Text>
            ) : (
              <>
                <Anchor component={Link} to={step.to} size="sm" fw={600}>
                  {step.label}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {step.hint}
                </Text>
              </>
            )}
          </List.Item>
        ))}
      </List>
    </Paper>
  );
}
