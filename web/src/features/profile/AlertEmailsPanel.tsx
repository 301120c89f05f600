import { Anchor, Badge, Button, Group, Stack, Switch, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  alertCatalogue,
  alertComponents,
  alertSeverities,
  defaultMinSeverity,
  severityAtLeast,
} from "../../../../src/shared/alerts";
import { meApi } from "../../api/endpoints";
import type { AlertComponent, AlertEmailSubscription, AlertSeverity } from "../../api/types";
import { FormError, QueryError } from "../../components/feedback";
import { SegmentedField } from "../../components/SegmentedField";
import { useFormErrors } from "../../lib/errors";
import { severityColor } from "../automation/badges";
import { rememberedTenant, tenantPath } from "../automation/tenant";
import { Section } from "./Section";

const queryKey = ["me", "alert-emails"];

/** Alert e-mail opt-ins of an organization user (GET|PUT /me/alert-emails). */
export function AlertEmailsPanel() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey, queryFn: meApi.alertEmails });
  return (
    <Section title={t("alertEmails.title")} description={t("alertEmails.description")}>
      <div id="alert-emails" data-testid="alert-emails">
        {query.isError ? (
          <QueryError error={query.error} onRetry={() => void query.refetch()} />
        ) : query.data ? (
          <AlertEmailsForm key={JSON.stringify(query.data)} saved={query.data.subscriptions} />
        ) : (
          <Text size="sm" c="dimmed">
            {t("common.loading")}
          </Text>
        )}
      </div>
    </Section>
  );
}

type Choice = { enabled: boolean; minSeverity: AlertSeverity };

function AlertEmailsForm({ saved }: { saved: AlertEmailSubscription[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const errors = useFormErrors(["subscriptions"] as const);
  const [pending, setPending] = useState(false);
  const initial = Object.fromEntries(
    alertComponents.map((c) => {
      const found = saved.find((s) => s.component === c);
      // Off, a component starts at the lowest severity of its alerts: "Robot alerts" on includes a
      // disconnect, a warning (issue #12, defect 6); the kinds below show what is mailed.
      return [c, { enabled: Boolean(found), minSeverity: found?.minSeverity ?? defaultMinSeverity(c) }];
    }),
  ) as Record<AlertComponent, Choice>;
  const [choices, setChoices] = useState(initial);
  const dirty = JSON.stringify(choices) !== JSON.stringify(initial);
  const change = (component: AlertComponent, next: Partial<Choice>) =>
    setChoices((current) => ({ ...current, [component]: { ...current[component], ...next } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    setPending(true);
    try {
      const subscriptions = alertComponents
        .filter((c) => choices[c].enabled)
        .map((c) => ({ component: c, minSeverity: choices[c].minSeverity }));
      const result = await meApi.setAlertEmails({ subscriptions });
      queryClient.setQueryData(queryKey, result);
      notifications.show({ color: "teal", message: t("alertEmails.saved") });
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="alert-emails-form">
      <Stack gap="lg">
        {alertComponents.map((component) => (
          <Stack key={component} gap="xs">
            <Switch
              name={`alertEmails.${component}`}
              checked={choices[component].enabled}
              onChange={(e) => change(component, { enabled: e.currentTarget.checked })}
              label={t(`alertEmails.components.${component}`)}
              description={t(`alertEmails.componentHints.${component}`)}
              data-testid={`alert-emails-${component}`}
            />
            <Group gap={4} pl={54}>
              {alertCatalogue
                .filter((k) => k.component === component && k.raised)
                .map((k) => {
                  const mailed =
                    choices[component].enabled && severityAtLeast(k.severity, choices[component].minSeverity);
                  return (
                    <Badge
                      key={k.kind}
                      size="sm"
                      tt="none"
                      h="auto"
                      styles={{ label: { whiteSpace: "normal", overflow: "visible" } }}
                      variant={mailed ? "filled" : "light"}
                      color={mailed ? severityColor[k.severity] : "gray"}
                      data-testid={`alert-emails-kind-${k.kind}`}
                      data-mailed={mailed}
                    >
                      {t(`alerts.kinds.${k.kind}`, { defaultValue: k.kind })} · {t(`alerts.severity.${k.severity}`)}
                      {choices[component].enabled && !mailed ? ` · ${t("alertEmails.notMailed")}` : ""}
                    </Badge>
                  );
                })}
            </Group>
            {choices[component].enabled ? (
              <SegmentedField<AlertSeverity>
                label={t("alertEmails.minSeverity")}
                value={choices[component].minSeverity}
                onChange={(minSeverity) => change(component, { minSeverity })}
                data={alertSeverities.map((s) => ({ value: s, label: t(`alerts.severity.${s}`) }))}
                name={`alertEmails.${component}.minSeverity`}
                testId={`alert-emails-${component}-severity`}
              />
            ) : null}
          </Stack>
        ))}
        <Text size="xs" c="dimmed">
          {t("alertEmails.visibility")}
        </Text>
        {rememberedTenant() ? (
          <Anchor component={Link} to={tenantPath(rememberedTenant() ?? "", "alerts/preferences")} size="sm">
            {t("alertEmails.allPreferences")}
          </Anchor>
        ) : null}
        <FormError message={errors.formError ?? errors.fieldErrors.subscriptions ?? null} type={errors.formErrorType} />
        <Group justify="flex-end">
          <Button type="submit" disabled={!dirty} loading={pending} data-testid="alert-emails-save">
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
