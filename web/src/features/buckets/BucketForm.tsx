import { Input, SegmentedControl, SimpleGrid, Stack, Switch, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { PasswordField } from "../../components/PasswordField";
import { useFormErrors } from "../../lib/errors";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { tenantKey, useTenant } from "../automation/tenant";
import { type Bucket, type BucketInput, type BucketProvider, bucketsApi } from "./api";

const FIELDS = [
  "name",
  "description",
  "provider",
  "readOnly",
  "s3",
  "s3.endpoint",
  "s3.region",
  "s3.bucket",
  "s3.accessKeyId",
  "s3.secretKey",
] as const;

/** Creates or edits a bucket: local or S3 (the provider is fixed once created; the secret key is write-only). */
export function BucketForm({
  folderId,
  bucket,
  onClose,
}: {
  folderId: number;
  bucket: Bucket | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const api = bucketsApi(ctx.org, ctx.tenantId);
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef);
  const [name, setName] = useState(bucket?.name ?? "");
  const [description, setDescription] = useState(bucket?.description ?? "");
  const [provider, setProvider] = useState<BucketProvider>(bucket?.provider ?? "local");
  const [readOnly, setReadOnly] = useState(bucket?.readOnly ?? false);
  const [endpoint, setEndpoint] = useState(bucket?.s3?.endpoint ?? "");
  const [region, setRegion] = useState(bucket?.s3?.region ?? "us-east-1");
  const [s3Bucket, setS3Bucket] = useState(bucket?.s3?.bucket ?? "");
  const [accessKeyId, setAccessKeyId] = useState(bucket?.s3?.accessKeyId ?? "");
  const [secretKey, setSecretKey] = useState("");
  const [pathStyle, setPathStyle] = useState(bucket?.s3?.pathStyle ?? true);

  const text = (field: (typeof FIELDS)[number], value: string, set: (v: string) => void, extra = {}) => ({
    name: field,
    value,
    onChange: (e: { currentTarget: { value: string } }) => {
      set(e.currentTarget.value);
      errors.clearField(field);
    },
    error: errors.fieldErrors[field],
    ...extra,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t("validation.required");
    if (provider === "s3") {
      if (!s3Bucket.trim()) local["s3.bucket"] = t("validation.required");
      if (!accessKeyId.trim()) local["s3.accessKeyId"] = t("validation.required");
      if (!bucket?.s3?.hasSecretKey && !secretKey) local["s3.secretKey"] = t("validation.required");
    }
    if (Object.keys(local).length) return invalid(local);
    const body: BucketInput = {
      name: name.trim(),
      description: description.trim() || null,
      readOnly,
      ...(provider === "s3" && {
        s3: {
          endpoint: endpoint.trim() || null,
          region: region.trim() || "us-east-1",
          bucket: s3Bucket.trim(),
          accessKeyId: accessKeyId.trim(),
          pathStyle,
          ...(secretKey && { secretKey }),
        },
      }),
    };
    await run(async () => {
      if (bucket) await api.update(bucket.id, body);
      else await api.create(folderId, { ...body, provider });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "buckets") });
      notifications.show({
        color: "teal",
        message: bucket ? t("common.saved") : t("buckets.created", { name: body.name }),
      });
      onClose();
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="bucket-form">
      <Stack gap="md">
        <TextInput {...text("name", name, setName)} label={t("buckets.name")} required data-autofocus />
        <TextInput
          {...text("description", description, setDescription)}
          label={t("buckets.descriptionField")}
          description={t("common.optional")}
        />
        <Input.Wrapper
          label={t("buckets.provider")}
          description={provider === "local" ? t("buckets.providerLocalHint") : t("buckets.providerS3Hint")}
          inputWrapperOrder={["label", "input", "description"]}
        >
          <SegmentedControl
            fullWidth
            value={provider}
            onChange={(v) => setProvider(v as BucketProvider)}
            disabled={!!bucket}
            data={[
              { value: "local", label: t("buckets.providerLocal") },
              { value: "s3", label: t("buckets.providerS3") },
            ]}
            data-testid="bucket-provider"
          />
        </Input.Wrapper>
        {provider === "s3" ? (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                {...text("s3.endpoint", endpoint, setEndpoint)}
                label={t("buckets.s3Endpoint")}
                description={t("buckets.s3EndpointHint")}
                placeholder="https://minio.example.com"
              />
              <TextInput {...text("s3.region", region, setRegion)} label={t("buckets.s3Region")} />
              <TextInput {...text("s3.bucket", s3Bucket, setS3Bucket)} label={t("buckets.s3Bucket")} required />
              <TextInput
                {...text("s3.accessKeyId", accessKeyId, setAccessKeyId)}
                label={t("buckets.s3AccessKeyId")}
                required
              />
            </SimpleGrid>
            <PasswordField
              name="s3.secretKey"
              label={t("buckets.s3SecretKey")}
              description={bucket?.s3?.hasSecretKey ? t("buckets.s3SecretKeyKept") : undefined}
              value={secretKey}
              onChange={(e) => {
                setSecretKey(e.currentTarget.value);
                errors.clearField("s3.secretKey");
              }}
              error={errors.fieldErrors["s3.secretKey"]}
              autoComplete="new-password"
              required={!bucket?.s3?.hasSecretKey}
            />
            <Switch
              label={t("buckets.s3PathStyle")}
              description={t("buckets.s3PathStyleHint")}
              checked={pathStyle}
              onChange={(e) => setPathStyle(e.currentTarget.checked)}
            />
          </>
        ) : null}
        <Switch
          label={t("buckets.readOnly")}
          description={t("buckets.readOnlyHint")}
          checked={readOnly}
          onChange={(e) => setReadOnly(e.currentTarget.checked)}
          data-testid="bucket-read-only"
        />
        <FormError message={errors.formError} />
        <FormButtons
          onCancel={onClose}
          pending={pending}
          submitLabel={bucket ? t("common.save") : t("buckets.create")}
          testId="bucket-submit"
          gap="md"
        />
      </Stack>
    </form>
  );
}
