import { Alert, Button, FileInput, Group, Modal, Progress, Select, Stack, Table, Text } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type CommitType, commitTypes } from "../../../../src/shared/queues";
import { getApiLanguage, getCsrfToken } from "../../api/client";
import { tenantKey, useTenant } from "../automation/tenant";
import { type BulkResult, queueApi } from "./api";

/** Posts the CSV as multipart `file` with XHR (fetch cannot report upload progress). */
function upload(url: string, file: File, onProgress: (fraction: number) => void): Promise<BulkResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
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
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body as unknown as BulkResult);
      else reject(new Error(typeof body?.detail === "string" ? body.detail : `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("Network error"));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

/** Uploads items from CSV with a progress bar; shows the rows that failed and why. */
export function UploadItemsModal({
  queueId,
  opened,
  onClose,
}: {
  queueId: number;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [commitType, setCommitType] = useState<CommitType>("processAllIndependently");
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<BulkResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    setFile(null);
    setProgress(null);
    setResult(null);
    setError(null);
    onClose();
  };
  const start = async () => {
    if (!file) return;
    setError(null);
    setResult(null);
    setProgress(0);
    try {
      const res = await upload(queueApi(ctx.api.base).uploadUrl(queueId, commitType), file, setProgress);
      setResult(res);
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queue-items") });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={t("queues.upload")} size="lg" centered data-testid="upload-modal">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t("queues.uploadHint")}
        </Text>
        <FileInput
          label={t("queues.csvFile")}
          accept=".csv,text/csv"
          value={file}
          onChange={setFile}
          clearable
          data-testid="upload-file"
        />
        <Select
          label={t("queues.commitType")}
          data={commitTypes.map((c) => ({ value: c, label: t(`queues.commit.${c}`) }))}
          value={commitType}
          onChange={(v) => setCommitType((v as CommitType) ?? "processAllIndependently")}
          allowDeselect={false}
        />
        {progress !== null ? <Progress value={progress * 100} animated data-testid="upload-progress" /> : null}
        {error ? <Alert color="red">{error}</Alert> : null}
        {result ? (
          <Alert color={result.failedItems.length ? "orange" : "teal"} data-testid="upload-result">
            {t("queues.uploadResult", { added: result.added, failed: result.failedItems.length })}
          </Alert>
        ) : null}
        {result && result.failedItems.length > 0 ? (
          <Table data-testid="upload-errors">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("queues.row")}</Table.Th>
                <Table.Th>{t("queues.error")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.failedItems.slice(0, 200).map((f) => (
                <Table.Tr key={f.ordinal}>
                  <Table.Td>{f.row ?? f.ordinal}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{f.detail}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            {t("common.close")}
          </Button>
          <Button
            leftSection={<IconUpload size={16} />}
            onClick={() => void start()}
            disabled={!file}
            loading={progress !== null}
            data-testid="upload-submit"
          >
            {t("queues.uploadStart")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
