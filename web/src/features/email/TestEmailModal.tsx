import { Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { IconSend } from "@tabler/icons-react";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import type { EmailTestResult, EmailTestStage } from "../../api/types";
import { FormError } from "../../components/feedback";
import { normalizePath, useErrorText } from "../../lib/errors";
import { useOpenKey } from "../../lib/useOpenKey";
import { TestResultView } from "./TestResultView";

interface TestEmailModalProps {
  opened: boolean;
  onClose: () => void;
  defaultRecipient: string;
  /** Sends the test (with the settings as typed, or the stored ones); throws ApiError for bad input. */
  send: (to: string) => Promise<EmailTestResult>;
  /** Stages the tested settings do not use, shown as skipped. */
  skipped?: readonly EmailTestStage[];
  /** Field errors about the settings themselves (not the recipient), for the form behind the dialog. */
  onFieldErrors?: (errors: { path: string; message: string }[]) => void;
  description?: string;
  /** Told the recipient of every test sent, so the next opening can offer it again. */
  onRecipient?: (to: string) => void;
  /** The form's label of a settings field (`smtpHost` → "SMTP Host"), for errors listed here. */
  fieldLabel?: (name: string) => string;
}

function TestEmailForm({
  onClose,
  defaultRecipient,
  send,
  skipped,
  onFieldErrors,
  description,
  onRecipient,
  fieldLabel = (name) => name,
}: TestEmailModalProps) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [to, setTo] = useState(defaultRecipient);
  const [toError, setToError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<EmailTestResult | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // React events bubble through portals: this submit must not reach a form around the dialog.
    event.stopPropagation();
    const recipient = to.trim();
    if (!recipient) {
      setToError(t("validation.required"));
      return;
    }
    if (!/^\S+@\S+\.\S+$/.test(recipient)) {
      setToError(t("validation.email"));
      return;
    }
    setToError(null);
    setFormError(null);
    setResult(null);
    setPending(true);
    onRecipient?.(recipient);
    try {
      setResult(await send(recipient));
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) {
        const recipientError = error.errors.find((e) => normalizePath(e.path) === "to");
        if (recipientError) setToError(recipientError.message);
        const others = error.errors.filter((e) => normalizePath(e.path) !== "to");
        if (others.length > 0) {
          onFieldErrors?.(others);
          setFormError(
            [
              t("email.test.invalidSettings"),
              ...others.map((e) => `${fieldLabel(normalizePath(e.path).replace(/^settings\./, ""))}: ${e.message}`),
            ].join("\n"),
          );
        }
      } else {
        setFormError(error instanceof ApiError ? errorText(error) : String((error as Error).message ?? error));
      }
    } finally {
      setPending(false);
    }
  };

  return (
    // A form of its own inside the settings form's dialog: submit must not save the settings.
    <form onSubmit={submit} noValidate data-testid="email-test-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {description ?? t("email.test.description")}
        </Text>
        <Group align="flex-end" gap="sm" wrap="nowrap">
          <TextInput
            name="to"
            type="email"
            label={t("email.test.recipient")}
            value={to}
            onChange={(e) => {
              setTo(e.currentTarget.value);
              setToError(null);
            }}
            error={toError}
            style={{ flex: 1 }}
            data-autofocus
            required
          />
          <Button
            type="submit"
            leftSection={<IconSend size={18} />}
            loading={pending}
            data-testid="email-test-send"
            mb={toError ? 22 : 0}
          >
            {t("email.test.send")}
          </Button>
        </Group>
        <FormError message={formError} />
        {pending ? (
          <Text size="sm" c="dimmed" data-testid="email-test-pending">
            {t("email.test.sending")}
          </Text>
        ) : null}
        {result ? <TestResultView result={result} skipped={skipped} /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-testid="email-test-close">
            {t("common.close")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** "Send test e-mail": asks for the recipient, sends, and shows how far the SMTP conversation got. */
export function TestEmailModal(props: TestEmailModalProps) {
  const { t } = useTranslation();
  const key = useOpenKey(props.opened);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t("email.test.title")} size="xl" centered>
      <TestEmailForm key={key} {...props} />
    </Modal>
  );
}
