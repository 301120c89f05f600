import { Anchor, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconArrowLeft, IconBuilding } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { isApiError } from "../api/client";
import { authApi } from "../api/endpoints";
import type { InvitationInfo } from "../api/types";
import { FormError, PageLoader, QueryError } from "../components/feedback";
import { InvalidLink } from "../components/InvalidLink";
import { NewPasswordFields, newPasswordErrors } from "../components/NewPasswordFields";
import { PublicLayout } from "../components/PublicLayout";
import { focusFirstInvalid, useFormErrors } from "../lib/errors";
import { useFormat } from "../lib/format";

const FIELDS = ["name", "password", "passwordConfirm"] as const;

function AcceptForm({ token, invitation }: { token: string; invitation: InvitationInfo }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const format = useFormat();
  const [name, setName] = useState(invitation.name);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [pending, setPending] = useState(false);
  const [linkInvalid, setLinkInvalid] = useState(false);
  const errors = useFormErrors(FIELDS);
  const formRef = useRef<HTMLFormElement>(null);

  if (linkInvalid) {
    return <InvalidLink title={t("invitation.invalidTitle")} body={t("invitation.invalidBody")} />;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordErrors(t, password, confirm);
    if (Object.keys(local).length > 0) {
      errors.setFormError(null);
      errors.setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
      return;
    }
    errors.clear();
    setPending(true);
    try {
      await authApi.acceptInvitation({ token, password, ...(name.trim() && { name: name.trim() }) });
      const next = new URLSearchParams({
        as: "organization",
        organization: invitation.organization.slug,
        email: invitation.email,
        notice: "invitation-accepted",
      });
      void navigate(`/login?${next}`, { replace: true });
    } catch (error) {
      if (isApiError(error, "invalid-link")) setLinkInvalid(true);
      else focusFirstInvalid(formRef.current, errors.show(error));
      setPending(false);
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="accept-invitation-form">
      <Stack gap="md">
        <Paper radius="md" p="md" bg="var(--mantine-color-indigo-0)" data-testid="invitation-info">
          <Group gap="sm" wrap="nowrap" align="flex-start">
            <IconBuilding size={22} color="var(--mantine-color-indigo-6)" style={{ flexShrink: 0, marginTop: 2 }} />
            <div>
              <Text size="sm">
                {t("invitation.joining")}{" "}
                <Text span fw={700} data-testid="invitation-org">
                  {invitation.organization.name}
                </Text>
              </Text>
              <Text size="sm" c="dimmed" data-testid="invitation-email">
                {invitation.email}
              </Text>
              <Text size="xs" c="dimmed" mt={4}>
                {t("invitation.expires", { date: format.dateTime(invitation.expiresAt) })}
              </Text>
            </div>
          </Group>
        </Paper>
        <TextInput
          name="name"
          label={t("fields.name")}
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            errors.clearField("name");
          }}
          error={errors.fieldErrors.name}
          autoComplete="name"
        />
        <NewPasswordFields
          label={t("invitation.password")}
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          errors={errors}
        />
        <FormError message={errors.formError} />
        <Button type="submit" size="md" fullWidth loading={pending} data-testid="accept-invitation-submit">
          {t("invitation.submit")}
        </Button>
      </Stack>
    </form>
  );
}

/** `/accept-invitation?token=…`: who is invited to which organization, then name and first password. */
export default function AcceptInvitationPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const invitation = useQuery({
    queryKey: ["public", "invitation", token],
    queryFn: () => authApi.invitation(token),
    enabled: token !== "",
    retry: false,
    staleTime: Infinity,
  });
  const invalid = token === "" || isApiError(invitation.error, "invalid-link");

  return (
    <PublicLayout
      footer={
        <Group justify="center">
          <Anchor component={Link} to="/login" size="sm">
            <Group gap={4} component="span">
              <IconArrowLeft size={14} />
              {t("recovery.backToLogin")}
            </Group>
          </Anchor>
        </Group>
      }
    >
      <Stack gap="md">
        <div>
          <Title order={1} fz={22}>
            {t("invitation.title")}
          </Title>
          <Text size="sm" c="dimmed" mt={4}>
            {t("invitation.intro")}
          </Text>
        </div>
        {invalid ? <InvalidLink title={t("invitation.invalidTitle")} body={t("invitation.invalidBody")} /> : null}
        {!invalid && invitation.isPending ? <PageLoader /> : null}
        {!invalid && invitation.isError ? (
          <QueryError error={invitation.error} onRetry={() => void invitation.refetch()} />
        ) : null}
        {invitation.data ? <AcceptForm token={token} invitation={invitation.data} /> : null}
      </Stack>
    </PublicLayout>
  );
}
