import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  FileButton,
  Group,
  Menu,
  Paper,
  Progress,
  Table,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import {
  IconAlertTriangle,
  IconDownload,
  IconFile,
  IconFolder,
  IconLink,
  IconTrash,
  IconUpload,
} from "@tabler/icons-react";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import { useConfirm } from "../../components/ConfirmModal";
import { EmptyPanel } from "../../components/EmptyPanel";
import { PageLoader, Panel, QueryError } from "../../components/feedback";
import { ListTable, RowActions } from "../../components/ListTable";
import { LoadMore } from "../../components/LoadMore";
import { Time } from "../../components/Time";
import { useErrorText } from "../../lib/errors";
import { tenantKey, useTenant } from "../automation/tenant";
import { type Bucket, type BucketFile, bucketsApi, formatSize, uploadFile } from "./api";

interface Upload {
  name: string;
  progress: number;
  abort: () => void;
}

/**
 * A bucket's files one directory at a time: breadcrumbs, sub-directories, files with download,
 * delete and "copy signed link", and uploads (button or drag and drop) with a progress bar.
 */
export function FileBrowser({
  bucket,
  prefix,
  onPrefix,
}: {
  bucket: Bucket;
  prefix: string;
  onPrefix: (prefix: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const ctx = useTenant();
  const errorText = useErrorText();
  const api = bucketsApi(ctx.org, ctx.tenantId);
  const queryClient = useQueryClient();
  const [confirm, confirmModal] = useConfirm();
  const [uploads, setUploads] = useState<Upload | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const resetRef = useRef<() => void>(null);
  const canWrite = !bucket.readOnly && ctx.canFolder("buckets.edit", bucket.folderId);
  const key = tenantKey(ctx, "buckets", bucket.id, "files", prefix);
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api.files(bucket.id, prefix, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const directories = query.data?.pages.flatMap((p) => p.directories) ?? [];
  const files = query.data?.pages.flatMap((p) => p.items) ?? [];

  const upload = async (list: File[]) => {
    resetRef.current?.();
    setUploadError(null);
    for (const file of list) {
      const job = uploadFile(`${api.downloadUrl(bucket.id, `${prefix}${file.name}`)}`, file, (progress) =>
        setUploads((u) => (u ? { ...u, progress } : u)),
      );
      setUploads({ name: file.name, progress: 0, abort: job.abort });
      try {
        await job.promise;
        notifications.show({ color: "teal", message: t("buckets.uploaded", { name: file.name }) });
      } catch (error) {
        if (error instanceof ApiError && error.type === "aborted") break;
        setUploadError(`${file.name}: ${errorText(error)}`);
        break;
      } finally {
        setUploads(null);
      }
    }
    await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "buckets", bucket.id, "files") });
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (!canWrite || uploads) return;
    void upload([...event.dataTransfer.files]);
  };

  const remove = (file: BucketFile) =>
    confirm({
      title: t("buckets.deleteFileTitle", { name: nameOf(file.path) }),
      message: t("buckets.deleteFileBody"),
      confirmLabel: t("common.delete"),
      action: async () => {
        await api.deleteFile(bucket.id, file.path);
        await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "buckets", bucket.id, "files") });
      },
      successMessage: t("buckets.fileDeleted", { name: nameOf(file.path) }),
    });

  const copyLink = async (file: BucketFile) => {
    try {
      const link = await api.readLink(bucket.id, file.path, 60);
      await navigator.clipboard.writeText(link.uri);
      notifications.show({ color: "teal", message: t("buckets.linkCopied") });
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error) });
    }
  };

  const segments = prefix.split("/").filter(Boolean);
  const crumbs = [
    <Anchor key="root" component="button" type="button" onClick={() => onPrefix("")} data-testid="crumb-root">
      {bucket.name}
    </Anchor>,
    ...segments.map((segment, i) => {
      const to = `${segments.slice(0, i + 1).join("/")}/`;
      return i === segments.length - 1 ? (
        <Text key={to} size="sm" fw={600}>
          {segment}
        </Text>
      ) : (
        <Anchor key={to} component="button" type="button" onClick={() => onPrefix(to)}>
          {segment}
        </Anchor>
      );
    }),
  ];

  const uploadButton = canWrite ? (
    <FileButton onChange={(list) => void upload(list)} multiple resetRef={resetRef}>
      {(props) => (
        <Button {...props} leftSection={<IconUpload size={18} />} disabled={!!uploads} data-testid="upload-file">
          {t("buckets.upload")}
        </Button>
      )}
    </FileButton>
  ) : null;

  return (
    <>
      <Group justify="space-between" mb="md">
        <Breadcrumbs data-testid="breadcrumbs">{crumbs}</Breadcrumbs>
        {uploadButton}
      </Group>
      {uploads ? (
        <Paper withBorder radius="md" p="md" mb="md" data-testid="upload-progress">
          <Group justify="space-between" mb={6}>
            <Text size="sm" fw={600}>
              {t("buckets.uploading", { name: uploads.name })}
            </Text>
            <Button size="xs" variant="subtle" color="gray" onClick={uploads.abort}>
              {t("common.cancel")}
            </Button>
          </Group>
          <Progress value={Math.round(uploads.progress * 100)} animated />
        </Paper>
      ) : null}
      {uploadError ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle />}
          mb="md"
          withCloseButton
          onClose={() => setUploadError(null)}
          data-testid="upload-error"
        >
          {uploadError}
        </Alert>
      ) : null}
      <Paper
        onDragOver={(e: DragEvent) => {
          if (!canWrite) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        radius="md"
        style={{
          outline: dragging ? "2px dashed var(--mantine-color-indigo-5)" : undefined,
          outlineOffset: 4,
        }}
        data-testid="drop-zone"
      >
        <Panel>
          {query.isLoading ? <PageLoader /> : null}
          {query.isError ? <QueryError error={query.error} onRetry={() => void query.refetch()} /> : null}
          {query.isSuccess && files.length === 0 && directories.length === 0 ? (
            <EmptyPanel
              icon={<IconFolder size={32} />}
              title={t("buckets.emptyFolder")}
              description={canWrite ? t("buckets.dropHint") : t("buckets.readOnlyHint")}
              testId="files-empty"
            />
          ) : null}
          {files.length > 0 || directories.length > 0 ? (
            <ListTable
              minWidth={640}
              testId="files-table"
              actionsColumn
              head={
                <>
                  <Table.Th>{t("buckets.fileName")}</Table.Th>
                  <Table.Th w={120}>{t("buckets.size")}</Table.Th>
                  <Table.Th w={200}>{t("buckets.modified")}</Table.Th>
                </>
              }
            >
              {directories.map((dir) => (
                <Table.Tr
                  key={dir}
                  onClick={() => onPrefix(dir)}
                  style={{ cursor: "pointer" }}
                  data-testid={`dir-row-${nameOf(dir)}`}
                >
                  <Table.Td colSpan={4}>
                    <UnstyledButton
                      onClick={(e) => {
                        e.stopPropagation();
                        onPrefix(dir);
                      }}
                    >
                      <Group gap={8} wrap="nowrap">
                        <IconFolder size={18} color="var(--mantine-color-yellow-6)" />
                        <Text size="sm" fw={600}>
                          {nameOf(dir)}
                        </Text>
                      </Group>
                    </UnstyledButton>
                  </Table.Td>
                </Table.Tr>
              ))}
              {files.map((file) => (
                <Table.Tr key={file.path} data-testid={`file-row-${nameOf(file.path)}`}>
                  <Table.Td>
                    <Group gap={8} wrap="nowrap">
                      <IconFile size={18} color="var(--mantine-color-dimmed)" />
                      <Anchor href={api.downloadUrl(bucket.id, file.path)} size="sm" download>
                        {nameOf(file.path)}
                      </Anchor>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatSize(file.size, i18n.resolvedLanguage === "de" ? "de-DE" : "en-US")}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      <Time value={file.modifiedAt} />
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <RowActions name={nameOf(file.path)}>
                      <Menu.Item
                        component="a"
                        href={api.downloadUrl(bucket.id, file.path)}
                        download
                        leftSection={<IconDownload size={16} />}
                      >
                        {t("buckets.download")}
                      </Menu.Item>
                      <Menu.Item
                        leftSection={<IconLink size={16} />}
                        onClick={() => void copyLink(file)}
                        data-testid="copy-link"
                      >
                        {t("buckets.copyLink")}
                      </Menu.Item>
                      {canWrite ? (
                        <Menu.Item
                          color="red"
                          leftSection={<IconTrash size={16} />}
                          onClick={() => remove(file)}
                          data-testid="delete-file"
                        >
                          {t("common.delete")}
                        </Menu.Item>
                      ) : null}
                    </RowActions>
                  </Table.Td>
                </Table.Tr>
              ))}
            </ListTable>
          ) : null}
          <LoadMore
            hasMore={query.hasNextPage}
            loading={query.isFetchingNextPage}
            onLoad={() => void query.fetchNextPage()}
          />
        </Panel>
      </Paper>
      {confirmModal}
    </>
  );
}

function nameOf(path: string): string {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
