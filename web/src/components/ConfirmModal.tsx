import { Alert, Button, Code, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle } from "@tabler/icons-react";
import { type FormEvent, type ReactNode, useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../api/client";
import { useErrorText } from "../lib/errors";

export interface ConfirmRequest {
  title: ReactNode;
  message: ReactNode;
  confirmLabel: string;
  /** Red for destructive actions (the default), another Mantine color otherwise. */
  color?: string;
  /** When set, the user must type exactly this text (an organization's slug) before confirming. */
  typedConfirmation?: { value: string; label: string };
  /** Extra content between the message and the buttons (an option such as "kill running jobs"). */
  extra?: ReactNode;
  action: () => Promise<unknown>;
  /** Shown as a notification once the action succeeded. */
  successMessage?: string;
}

function ConfirmModal({ request, opened, onClose }: { request: ConfirmRequest; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const typedOk = !request.typedConfirmation || typed.trim() === request.typedConfirmation.value;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!typedOk || pending) return;
    setPending(true);
    setError(null);
    try {
      await request.action();
      if (request.successMessage) notifications.show({ color: "teal", message: request.successMessage });
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const lastAdmin = isApiError(error, "last-administrator");
  return (
    <Modal opened={opened} onClose={onClose} title={request.title} centered size="md" data-testid="confirm-modal">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Text size="sm" component="div">
            {request.message}
          </Text>
          {request.extra}
          {request.typedConfirmation ? (
            <TextInput
              label={request.typedConfirmation.label}
              description={
                <>
                  {t("confirm.typeToConfirm")} <Code>{request.typedConfirmation.value}</Code>
                </>
              }
              value={typed}
              onChange={(event) => setTyped(event.currentTarget.value)}
              autoComplete="off"
              spellCheck={false}
              data-autofocus
              data-testid="confirm-typed-input"
            />
          ) : null}
          {error ? (
            <Alert
              color="red"
              variant="light"
              icon={<IconAlertTriangle />}
              title={lastAdmin ? t("errors.lastAdministrator") : t("errors.title")}
              role="alert"
              data-testid="confirm-error"
            >
              {errorText(error)}
            </Alert>
          ) : null}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose} disabled={pending}>
              {t("common.cancel")}
            </Button>
            <Button
              type="submit"
              color={request.color ?? "red"}
              loading={pending}
              disabled={!typedOk}
              data-autofocus={request.typedConfirmation ? undefined : true}
              data-testid="confirm-button"
            >
              {request.confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * A confirmation dialog driven by one call: `confirm({title, message, confirmLabel, action})`.
 * Errors of the action (e.g. `409 last-administrator`) stay visible inside the dialog.
 */
export function useConfirm(): [(request: ConfirmRequest) => void, ReactNode] {
  const [state, setState] = useState<{ request: ConfirmRequest; opened: boolean; key: number } | null>(null);
  const confirm = useCallback(
    (request: ConfirmRequest) => setState((current) => ({ request, opened: true, key: (current?.key ?? 0) + 1 })),
    [],
  );
  const close = useCallback(() => setState((current) => (current ? { ...current, opened: false } : current)), []);
  const modal = state ? (
    <ConfirmModal key={state.key} request={state.request} opened={state.opened} onClose={close} />
  ) : null;
  return [confirm, modal];
}
