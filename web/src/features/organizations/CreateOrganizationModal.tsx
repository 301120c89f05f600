import { Button, Divider, Group, Modal, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconMailForward } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { hostApi } from "../../api/endpoints";
import type { Locale, Organization } from "../../api/types";
import { FormError } from "../../components/feedback";
import { LocaleSelect } from "../../components/LocaleSelect";
import { PasswordField } from "../../components/PasswordField";
import { currentLocale } from "../../i18n";
import { focusFirstInvalid, useFormErrors } from "../../lib/errors";
import { slugify } from "../../lib/format";
import { useOpenKey } from "../../lib/useOpenKey";

const FIELDS = ["name", "slug", "admin.email", "admin.name", "admin.password", "admin.locale"] as const;

function CreateOrganizationForm({ onDone, onCancel }: { onDone: (org: Organization) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [adminEmail, setAdminEmail] = useState("");
  const [adminName, setAdminName] = useState("");
  const [adminPassword, setAdminPassword] = useState("");
  const [adminLocale, setAdminLocale] = useState<Locale>(currentLocale);

  const mutation = useMutation({
    mutationFn: hostApi.createOrganization,
    onSuccess: async (org) => {
      await queryClient.invalidateQueries({ queryKey: ["host"] });
      notifications.show({ color: "teal", message: t("organizations.created", { name: org.name }) });
      onDone(org);
    },
    onError: (error) => focusFirstInvalid(formRef.current, errors.show(error)),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (!name.trim()) missing.name = t("validation.required");
    if (!adminEmail.trim()) missing["admin.email"] = t("validation.required");
    else if (!/^\S+@\S+\.\S+$/.test(adminEmail.trim())) missing["admin.email"] = t("validation.email");
    if (slug && !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(slug)) missing.slug = t("validation.slug");
    if (Object.keys(missing).length) {
      errors.setFormError(null);
      errors.setFieldErrors(missing);
      focusFirstInvalid(formRef.current, missing);
      return;
    }
    errors.clear();
    mutation.mutate({
      name: name.trim(),
      slug: slug || undefined,
      admin: {
        email: adminEmail.trim(),
        name: adminName.trim() || undefined,
        password: adminPassword || undefined,
        locale: adminLocale,
      },
    });
  };

  const fe = errors.fieldErrors;
  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="create-organization-form">
      <Stack gap="md">
        <TextInput
          name="name"
          label={t("organizations.name")}
          placeholder={t("organizations.namePlaceholder")}
          value={name}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setName(value);
            if (!slugEdited) setSlug(slugify(value));
            errors.clearField("name");
          }}
          error={fe.name}
          required
          data-autofocus
        />
        <TextInput
          name="slug"
          label={t("organizations.slug")}
          description={t("organizations.slugHint")}
          value={slug}
          onChange={(e) => {
            setSlug(e.currentTarget.value.toLowerCase());
            setSlugEdited(true);
            errors.clearField("slug");
          }}
          error={fe.slug}
          autoCapitalize="none"
          spellCheck={false}
        />
        <Divider label={t("organizations.firstAdmin")} labelPosition="left" mt="xs" />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            name="admin.email"
            type="email"
            label={t("organizations.adminEmail")}
            value={adminEmail}
            onChange={(e) => {
              setAdminEmail(e.currentTarget.value);
              errors.clearField("admin.email");
            }}
            error={fe["admin.email"]}
            required
          />
          <TextInput
            name="admin.name"
            label={t("organizations.adminName")}
            value={adminName}
            onChange={(e) => setAdminName(e.currentTarget.value)}
            error={fe["admin.name"]}
          />
        </SimpleGrid>
        <PasswordField
          name="admin.password"
          label={t("organizations.adminPassword")}
          description={
            <Group gap={4} wrap="nowrap" component="span">
              <IconMailForward size={14} style={{ flexShrink: 0 }} />
              <Text component="span" size="xs">
                {t("organizations.adminPasswordHint")}
              </Text>
            </Group>
          }
          value={adminPassword}
          onChange={(e) => {
            setAdminPassword(e.currentTarget.value);
            errors.clearField("admin.password");
          }}
          error={fe["admin.password"]}
          autoComplete="new-password"
        />
        <LocaleSelect
          name="admin.locale"
          label={t("organizations.adminLanguage")}
          value={adminLocale}
          onChange={setAdminLocale}
          error={fe["admin.locale"]}
        />
        <FormError message={errors.formError} type={errors.formErrorType} />
        <Group justify="flex-end" mt="xs">
          <Button
            variant="default"
            onClick={onCancel}
            disabled={mutation.isPending}
            data-testid="create-organization-cancel"
          >
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={mutation.isPending} data-testid="create-organization-submit">
            {t("organizations.create")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function CreateOrganizationModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated?: (org: Organization) => void;
}) {
  const { t } = useTranslation();
  const formKey = useOpenKey(opened);
  return (
    <Modal opened={opened} onClose={onClose} title={t("organizations.new")} size="lg" centered>
      <CreateOrganizationForm
        key={formKey}
        onCancel={onClose}
        onDone={(org) => {
          onClose();
          onCreated?.(org);
        }}
      />
    </Modal>
  );
}
