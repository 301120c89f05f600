import { Button, Group, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { meApi } from "../../api/endpoints";
import type { Locale } from "../../api/types";
import { usePrincipal, useSession } from "../../app/session";
import { FormError } from "../../components/feedback";
import { LocaleSelect } from "../../components/LocaleSelect";
import { changeLocale } from "../../i18n";
import { useFormErrors } from "../../lib/errors";
import { Section } from "./Section";

const PROFILE_FIELDS = ["name", "locale"] as const;

/** Name and language of the signed-in account (PATCH /me). */
export function ProfileForm() {
  const { t } = useTranslation();
  const session = useSession();
  const principal = usePrincipal();
  const errors = useFormErrors(PROFILE_FIELDS);
  const [name, setName] = useState(principal.name);
  const [locale, setLocale] = useState<Locale>(principal.locale);
  const [pending, setPending] = useState(false);
  const dirty = name.trim() !== principal.name || locale !== principal.locale;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      errors.setFieldErrors({ name: t("validation.required") });
      return;
    }
    errors.clear();
    setPending(true);
    try {
      const updated = await meApi.update({ name: name.trim(), locale });
      session.setPrincipal(updated);
      await changeLocale(updated.locale);
      notifications.show({ color: "teal", message: t("profile.saved") });
    } catch (error) {
      errors.show(error);
    } finally {
      setPending(false);
    }
  };

  return (
    <Section title={t("profile.details")}>
      <form onSubmit={submit} noValidate data-testid="profile-form">
        <Stack gap="md">
          {principal.kind === "admin" ? (
            <TextInput label={t("fields.username")} value={principal.username} readOnly disabled />
          ) : (
            <TextInput label={t("fields.email")} value={principal.email} readOnly disabled />
          )}
          <TextInput
            name="name"
            label={t("fields.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clearField("name");
            }}
            error={errors.fieldErrors.name}
            required
          />
          <LocaleSelect value={locale} onChange={setLocale} error={errors.fieldErrors.locale} />
          <FormError message={errors.formError} type={errors.formErrorType} />
          <Group justify="flex-end">
            <Button type="submit" disabled={!dirty} loading={pending} data-testid="profile-save">
              {t("common.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
