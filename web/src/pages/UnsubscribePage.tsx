import { Alert, Anchor, Button, Group, Stack, Text, Title } from "@mantine/core";
import { IconArrowLeft, IconCircleCheck } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import { meApi } from "../api/endpoints";
import type { AlertComponent } from "../api/types";
import { FormError } from "../components/feedback";
import { InvalidLink } from "../components/InvalidLink";
import { PublicLayout } from "../components/PublicLayout";
import { useFormErrors } from "../lib/errors";

/**
 * `/unsubscribe?token=…`, the link at the foot of every alert e-mail. It asks for one click
 * before it unsubscribes: link scanners that open every URL in a mail must not end opt-ins.
 */
export default function UnsubscribePage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState<{ component: AlertComponent | "all"; channel: string } | null>(null);
  const [linkInvalid, setLinkInvalid] = useState(!token);
  const errors = useFormErrors([] as const);

  const unsubscribe = async () => {
    errors.clear();
    setPending(true);
    try {
      setDone(await meApi.unsubscribe(token));
    } catch (error) {
      if (isApiError(error, "not-found") || isApiError(error, "validation-failed")) setLinkInvalid(true);
      else errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <PublicLayout
      footer={
        <Group justify="center">
          <Anchor component={Link} to="/profile#alert-emails" size="sm">
            <Group gap={4} component="span">
              <IconArrowLeft size={14} />
              {t("unsubscribe.preferences")}
            </Group>
          </Anchor>
        </Group>
      }
    >
      <Stack gap="md" data-testid="unsubscribe-page">
        <Title order={1} fz={22}>
          {t("unsubscribe.title")}
        </Title>
        {linkInvalid ? (
          <InvalidLink title={t("unsubscribe.invalidTitle")} body={t("unsubscribe.invalidBody")} />
        ) : done ? (
          <Alert color="teal" icon={<IconCircleCheck size={18} />} data-testid="unsubscribe-done">
            {done.component === "all"
              ? t("unsubscribe.doneChannel", {
                  channel: t(
                    done.channel === "summary" ? "unsubscribe.channels.summary" : "unsubscribe.channels.digest",
                  ),
                })
              : t("unsubscribe.done", { component: t(`alertEmails.components.${done.component}`) })}
          </Alert>
        ) : (
          <>
            <Text size="sm" c="dimmed">
              {t("unsubscribe.intro")}
            </Text>
            <FormError message={errors.formError} type={errors.formErrorType} />
            <Button size="md" fullWidth loading={pending} onClick={unsubscribe} data-testid="unsubscribe-submit">
              {t("unsubscribe.submit")}
            </Button>
          </>
        )}
      </Stack>
    </PublicLayout>
  );
}
