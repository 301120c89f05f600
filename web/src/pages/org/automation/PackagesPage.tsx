import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Center,
  FileButton,
  Group,
  Paper,
  Progress,
  Table,
  Text,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconDownload, IconPackage, IconTrash, IconUpload } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type DragEvent, Fragment, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, getApiLanguage, getCsrfToken } from "../../../api/client";
import type { PackageVersion } from "../../../api/types";
import { useConfirm } from "../../../components/ConfirmModal";
import { SortableTh, TableToolbar } from "../../../components/DataTable";
import { EmptyPanel } from "../../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../../components/feedback";
import { LoadMore } from "../../../components/LoadMore";
import { PageHeader } from "../../../components/PageHeader";
import { Time } from "../../../components/Time";
import { NoPermission, tenantKey, useTenant } from "../../../features/automation/tenant";
import { useErrorText } from "../../../lib/errors";
import { useClientRows, useListControls } from "../../../lib/useListControls";

/** Uploads one file as multipart `file`, reporting progress (fetch cannot report upload progress). */
function uploadWithProgress(
  url: string,
  file: File,
  onProgress: (fraction: number) => void,
): { promise: Promise<PackageVersion>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<PackageVersion>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    xhr.setRequestHeader("Accept-Language", getApiLanguage());
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as unknown as PackageVersion);
        return;
      }
      reject(
        new ApiError({
          status: xhr.status,
          type: typeof body?.type === "string" ? body.type : "http-error",
          title: typeof body?.title === "string" ? body.title : xhr.statusText || `HTTP ${xhr.status}`,
          detail: typeof body?.detail === "string" ? body.detail : undefined,
          errors: Array.isArray(body?.errors) ? (body.errors as ApiError["errors"]) : [],
        }),
      );
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, type: "network-error", title: "Network error" }));
    xhr.onabort = () => reject(new ApiError({ status: 0, type: "aborted", title: "Aborted" }));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export default function PackagesPage() {
  const { t } = useTranslation();
  const ctx = useTenant();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [upload, setUpload] = useState<{ name: string; progress: number; abort: () => void } | null>(null);
  const [uploadError, setUploadError] = useState<ApiError | null>(null);
  const [dragging, setDragging] = useState(false);
  const resetRef = useRef<() => void>(null);
  const canView = ctx.canTenant("packages.view");
  const query = useQuery({ queryKey: tenantKey(ctx, "packages"), queryFn: ctx.api.packages, enabled: canView });
  const controls = useListControls();
  const table = useClientRows(query.data?.items ?? [], controls, {
    text: (p) => `${p.name} ${p.description ?? ""} ${p.versions.map((v) => v.version).join(" ")}`,
    sortValues: { name: (p) => p.name },
  });
  if (!canView) return <NoPermission />;
  const packages = table.rows;
  const anyPackages = (query.data?.items.length ?? 0) > 0;

  const start = async (file: File | null) => {
    resetRef.current?.();
    if (!file) return;
    setUploadError(null);
    const job = uploadWithProgress(ctx.api.packageUploadUrl(), file, (progress) =>
      setUpload((u) => (u ? { ...u, progress } : u)),
    );
    setUpload({ name: file.name, progress: 0, abort: job.abort });
    try {
      const pkg = await job.promise;
      notifications.show({ color: "teal", message: t("packages.uploaded", { name: pkg.name, version: pkg.version }) });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "packages") });
    } catch (error) {
      if (!(error instanceof ApiError && error.type === "aborted"))
        setUploadError(error instanceof ApiError ? error : null);
    } finally {
      setUpload(null);
    }
  };

  const remove = (v: PackageVersion) =>
    confirm({
      title: t("packages.deleteTitle", { name: v.name, version: v.version }),
      message: t("packages.deleteBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await ctx.api.deletePackageVersion(v.name, v.version);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "packages") });
      },
      successMessage: t("packages.deleted", { name: v.name, version: v.version }),
    });

  const uploadButton = ctx.canTenant("packages.create") ? (
    <FileButton
      onChange={(f) => void start(f)}
      accept=".zip,.tgz,.tar.gz,application/zip,application/gzip"
      resetRef={resetRef}
    >
      {(props) => (
        <Button {...props} leftSection={<IconUpload size={18} />} disabled={!!upload} data-testid="upload-package">
          {t("packages.upload")}
        </Button>
      )}
    </FileButton>
  ) : null;

  // The whole page takes a dropped archive (while no upload runs and the user may upload).
  const canDrop = ctx.canTenant("packages.create") && !upload;
  const dropHandlers = canDrop
    ? {
        onDragOver: (e: DragEvent<HTMLDivElement>) => {
          if (!e.dataTransfer.types.includes("Files")) return;
          e.preventDefault();
          setDragging(true);
        },
        onDragLeave: (e: DragEvent<HTMLDivElement>) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        },
        onDrop: (e: DragEvent<HTMLDivElement>) => {
          e.preventDefault();
          setDragging(false);
          const file = e.dataTransfer.files[0];
          if (file) void start(file);
        },
      }
    : {};

  return (
    <Box {...dropHandlers} pos="relative" data-testid="package-drop-zone" data-dragging={dragging}>
      {dragging ? (
        <Paper
          pos="absolute"
          inset={0}
          withBorder
          radius="md"
          style={{ zIndex: 5, borderStyle: "dashed", borderWidth: 2, background: "rgba(76,110,245,0.08)" }}
        >
          <Center h="100%">
            <Group gap="sm">
              <IconUpload size={28} />
              <Text fw={600}>{t("packages.dropHere")}</Text>
            </Group>
          </Center>
        </Paper>
      ) : null}
      <PageHeader
        title={t("packages.title")}
        description={canDrop ? `${t("packages.description")} ${t("packages.dropHint")}` : t("packages.description")}
        actions={uploadButton}
      />
      {upload ? (
        <Paper withBorder radius="md" p="md" mb="md" data-testid="upload-progress">
          <Group justify="space-between" mb={6}>
            <Text size="sm" fw={600}>
              {t("packages.uploading", { name: upload.name })}
            </Text>
            <Group gap="sm">
              <Text size="sm" c="dimmed" data-testid="upload-percent">
                {Math.round(upload.progress * 100)} %
              </Text>
              <Button size="xs" variant="subtle" color="gray" onClick={upload.abort}>
                {t("common.cancel")}
              </Button>
            </Group>
          </Group>
          <Progress value={upload.progress * 100} animated={upload.progress < 1} size="lg" radius="xl" />
          {upload.progress >= 1 ? (
            <Text size="xs" c="dimmed" mt={6}>
              {t("packages.checking")}
            </Text>
          ) : null}
        </Paper>
      ) : null}
      {uploadError ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle />}
          title={t("packages.uploadFailed")}
          mb="md"
          withCloseButton
          onClose={() => setUploadError(null)}
          data-testid="upload-error"
        >
          <Text size="sm">{errorText(uploadError)}</Text>
          {uploadError.errors.length > 0 ? (
            <ul style={{ margin: "6px 0 0", paddingLeft: 18 }}>
              {uploadError.errors.map((e) => (
                <li key={`${e.path}:${e.message}`}>
                  <Text size="sm">
                    <code>{e.path}</code>: {e.message}
                  </Text>
                </li>
              ))}
            </ul>
          ) : null}
        </Alert>
      ) : null}
      <Panel>
        {anyPackages ? (
          <TableToolbar
            controls={controls}
            shown={packages.length}
            total={table.total}
            searchPlaceholder={t("packages.searchPlaceholder")}
          />
        ) : null}
        {query.isPending ? <PageLoader /> : null}
        {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
        {query.isSuccess && !anyPackages ? (
          <EmptyPanel
            icon={<IconPackage size={32} />}
            title={t("packages.empty")}
            description={t("packages.emptyHint")}
            action={uploadButton}
            testId="packages-empty"
          />
        ) : null}
        {packages.length > 0 ? (
          <Table.ScrollContainer minWidth={860}>
            <Table className="dirigent-table" data-testid="packages-table">
              <Table.Thead>
                <Table.Tr>
                  <SortableTh field="name" controls={controls}>
                    {t("packages.packageVersion")}
                  </SortableTh>
                  <Table.Th>{t("packages.entryPoints")}</Table.Th>
                  <Table.Th>{t("packages.size")}</Table.Th>
                  <Table.Th>{t("packages.uploadedBy")}</Table.Th>
                  <Table.Th w={96} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {packages.map((pkg) => (
                  <Fragment key={pkg.name}>
                    <Table.Tr bg="var(--mantine-color-gray-0)" data-testid={`package-${pkg.name}`}>
                      <Table.Td colSpan={5}>
                        <Group gap="sm">
                          <IconPackage size={18} />
                          <Text fw={700}>{pkg.name}</Text>
                          <Badge variant="light">{t("packages.latest", { version: pkg.latestVersion })}</Badge>
                          {pkg.description ? (
                            <Text size="sm" c="dimmed">
                              {pkg.description}
                            </Text>
                          ) : null}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                    {pkg.versions.map((v) => (
                      <Table.Tr key={v.id} data-testid={`package-version-${v.name}-${v.version}`}>
                        <Table.Td pl="xl">
                          <Text size="sm" fw={600} ff="monospace">
                            {v.version}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {v.format} · <Time value={v.createdAt} />
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {v.entryPoints.map((ep) => (
                              <Tooltip key={ep.name} label={ep.command.join(" ")}>
                                <Badge variant="outline" color="gray" tt="none">
                                  {ep.name}
                                </Badge>
                              </Tooltip>
                            ))}
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{formatSize(v.size)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c="dimmed">
                            {v.uploadedBy}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4} justify="flex-end" wrap="nowrap">
                            <Tooltip label={t("packages.download")}>
                              <ActionIcon
                                component="a"
                                href={ctx.api.packageDownloadUrl(v.name, v.version)}
                                download
                                variant="subtle"
                                color="gray"
                                aria-label={t("packages.download")}
                                data-testid="download-package"
                              >
                                <IconDownload size={18} />
                              </ActionIcon>
                            </Tooltip>
                            {ctx.canTenant("packages.delete") ? (
                              <Tooltip label={t("common.delete")}>
                                <ActionIcon
                                  variant="subtle"
                                  color="red"
                                  onClick={() => remove(v)}
                                  aria-label={t("common.delete")}
                                  data-testid="delete-package-version"
                                >
                                  <IconTrash size={18} />
                                </ActionIcon>
                              </Tooltip>
                            ) : null}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
        <LoadMore hasMore={table.hasMore} loading={false} onLoad={table.loadMore} />
      </Panel>
      {confirmModal}
    </Box>
  );
}
