import { Grid } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { usePrincipal } from "../app/session";
import { PageHeader } from "../components/PageHeader";
import { AlertEmailsPanel } from "../features/profile/AlertEmailsPanel";
import { PasswordForm } from "../features/profile/PasswordForm";
import { ProfileForm } from "../features/profile/ProfileForm";
import { TokensPanel } from "../features/profile/TokensPanel";

export default function ProfilePage() {
  const { t } = useTranslation();
  const principal = usePrincipal();
  return (
    <>
      <PageHeader title={t("profile.title")} description={t("profile.description")} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <ProfileForm key={`${principal.name}|${principal.locale}`} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <PasswordForm />
        </Grid.Col>
        {principal.kind === "user" ? (
          <Grid.Col span={{ base: 12, md: 6 }}>
            <AlertEmailsPanel />
          </Grid.Col>
        ) : null}
        <Grid.Col span={12}>
          <TokensPanel />
        </Grid.Col>
      </Grid>
    </>
  );
}
