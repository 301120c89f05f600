import { Modal, Select, SimpleGrid, Stack, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { type QueuePriority, queuePriorities } from "../../../../src/shared/queues";
import { DateTimeInput } from "../../components/DateTimeInput";
import { FormButtons } from "../../components/FormButtons";
import { FormError } from "../../components/feedback";
import { useFormErrors } from "../../lib/errors";
import { localInputToIso } from "../../lib/format";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { parseJsonObject, showNestedErrors } from "../automation/json";
import { tenantKey, useTenant } from "../automation/tenant";
import { queueApi } from "./api";

const FIELDS = ["specificContent", "reference", "priority", "deferDate", "dueDate"] as const;

/** Adds one item: specific content as JSON, reference, priority, defer and due dates. */
export function AddItemModal({ queueId, opened, onClose }: { queueId: number; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const ctx = useTenant();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const errors = useFormErrors(FIELDS);
  const { pending, invalid, run } = useFormSubmit(errors, formRef, (error) =>
    showNestedErrors(errors, error, "specificContent"),
  );
  const [content, setContent] = useState("{\n  \n}");
  const [reference, setReference] = useState("");
  const [priority, setPriority] = useState<QueuePriority>("normal");
  const [deferDate, setDeferDate] = useState("");
  const [dueDate, setDueDate] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const specificContent = parseJsonObject(content);
    if (!specificContent) return invalid({ specificContent: t("automation.invalidJson") });
    await run(async () => {
      await queueApi(ctx.api.base).addItem(queueId, {
        specificContent,
        priority,
        ...(reference.trim() && { reference: reference.trim() }),
        ...(deferDate && { deferDate: localInputToIso(deferDate) }),
        ...(dueDate && { dueDate: localInputToIso(dueDate) }),
      });
      await queryClient.invalidateQueries({ queryKey: tenantKey(ctx, "queue-items") });
      notifications.show({ color: "teal", message: t("queues.itemAdded") });
      onClose();
    });
  };

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t("queues.addItem")}
      size="lg"
      centered
      data-testid="add-item-modal"
    >
      <form ref={formRef} onSubmit={submit} noValidate>
        <Stack gap="md">
          <Textarea
            name="specificContent"
            label={t("queues.specificContent")}
            description={t("queues.specificContentHint")}
            value={content}
            onChange={(e) => {
              setContent(e.currentTarget.value);
              errors.clearField("specificContent");
            }}
            autosize
            minRows={5}
            ff="monospace"
            error={errors.fieldErrors.specificContent}
            data-testid="item-content-input"
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              name="reference"
              label={t("queues.reference")}
              description={t("common.optional")}
              value={reference}
              maxLength={128}
              onChange={(e) => setReference(e.currentTarget.value)}
              error={errors.fieldErrors.reference}
              data-testid="item-reference-input"
            />
            <Select
              name="priority"
              label={t("queues.priorityLabel")}
              data={queuePriorities.map((p) => ({ value: p, label: t(`queues.priority.${p}`) }))}
              value={priority}
              onChange={(v) => setPriority((v as QueuePriority) ?? "normal")}
              allowDeselect={false}
              error={errors.fieldErrors.priority}
            />
            <DateTimeInput
              kind="datetime-local"
              name="deferDate"
              label={t("queues.deferDate")}
              description={t("common.optional")}
              value={deferDate}
              onChange={(v) => setDeferDate(v)}
              error={errors.fieldErrors.deferDate}
            />
            <DateTimeInput
              kind="datetime-local"
              name="dueDate"
              label={t("queues.dueDate")}
              description={t("common.optional")}
              value={dueDate}
              onChange={(v) => setDueDate(v)}
              error={errors.fieldErrors.dueDate}
            />
          </SimpleGrid>
          <FormError message={errors.formError} type={errors.formErrorType} />
          <FormButtons onCancel={onClose} pending={pending} submitLabel={t("queues.add")} testId="add-item-submit" />
        </Stack>
      </form>
    </Modal>
  );
}
