import { Checkbox, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { type AssetType, assetTypes } from "../../../../src/shared/assets";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { tenantKey, useTenant } from "../automation/tenant";
import { type Asset, assetsApi } from "./api";
import { draftOf, draftValue, ValueInput } from "./ValueInput";

const FIELDS = ["name", "description", "type", "value", "value.username", "value.password"] as const;

/** Creates an asset, or changes one (its type is fixed): name, description and the global value. */
export function AssetForm({
  folderId,
  asset,
  onClose,
}: {
  folderId: number;
  asset: Asset | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [name, setName] = useState(asset?.name ?? "");
  const [description, setDescription] = useState(asset?.description ?? "");
  const [type, setType] = useState<AssetType>(asset?.type ?? "text");
  const [hasGlobal, setHasGlobal] = useState(asset ? asset.value !== null : true);
  const [draft, setDraft] = useState(draftOf(asset?.value));
  const keepsPassword = asset?.type === "credential" && asset.value !== null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    const value = hasGlobal ? draftValue(type, draft, keepsPassword, t("validation.required")) : null;
    if (value && "errors" in value) Object.assign(local, value.errors);
    if (Object.keys(local).length) return invalid(local);
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      ...(value && "value" in value ? { value: value.value } : asset ? { value: null } : {}),
    };
    const api = assetsApi(ctx.org, ctx.tenantId);
    await run(async () => {
      if (asset) await api.update(asset.id, body);
      else await api.create(folderId, { ...body, type });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "assets") });
      notifications.show({
        color: "teal",
        message: asset ? t("common.saved") : t("assets.created", { name: body.name }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="asset-form">
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
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
            data-autofocus
            data-testid="asset-name"
          />
          <Select
            name="type"
            label={t("assets.type")}
            description={asset ? t("assets.typeFixed") : undefined}
            data={assetTypes.map((x) => ({ value: x, label: t(`assets.types.${x}`) }))}
            value={type}
            onChange={(v) => {
              if (v) setType(v as AssetType);
            }}
            allowDeselect={false}
            disabled={!!asset}
            error={errors.fieldErrors.type}
            data-testid="asset-type"
          />
        </SimpleGrid>
        <TextInput
          name="description"
          label={t("fields.description")}
          description={t("common.optional")}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.fieldErrors.description}
        />
        <Checkbox
          label={t("assets.hasGlobal")}
          description={t("assets.globalHint")}
          checked={hasGlobal}
          onChange={(e) => setHasGlobal(e.currentTarget.checked)}
          data-testid="asset-has-global"
        />
        {hasGlobal ? (
          <ValueInput
            type={type}
            draft={draft}
            onChange={setDraft}
            errors={errors.fieldErrors}
            keepsPassword={keepsPassword}
            label={t("assets.globalValue")}
          />
        ) : null}
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={asset ? t("common.save") : t("assets.create")}
          testId="asset-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}
