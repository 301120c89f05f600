import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

/** Server paths may arrive as `admin.email`, `/admin/email` or `body.admin.email`; forms use the dotted form. */
export function normalizePath(path: string): string {
  return path
    .replace(/^\/+/, "")
    .replace(/\//g, ".")
    .replace(/^body\./, "");
}

/** Turns any thrown value into one human sentence, preferring the server's own explanation. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError) {
        if (error.type === "network-error") return t("errors.network");
        if (error.detail) return error.detail;
        if (error.title) return error.title;
        return t("errors.status", { status: error.status });
      }
      return t("errors.unexpected");
    },
    [t],
  );
}

export type FieldErrors = Record<string, string>;

/**
 * Error state of one form: messages next to the fields the server named (by their `name`), and
 * everything else in one alert above the buttons.
 */
export function useFormErrors(fields: readonly string[]) {
  const text = useErrorText();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormErrorState] = useState<string | null>(null);
  const [formErrorType, setFormErrorType] = useState<string | null>(null);

  const setFormError = useCallback((message: string | null) => {
    setFormErrorState(message);
    setFormErrorType(null);
  }, []);

  const clear = useCallback(() => {
    setFieldErrors({});
    setFormError(null);
  }, [setFormError]);

  /** Shows a thrown error; returns the messages that landed next to a field (to focus the first). */
  const show = useCallback(
    (error: unknown): FieldErrors => {
      const placed: FieldErrors = {};
      const rest: string[] = [];
      if (error instanceof ApiError && error.errors.length > 0) {
        for (const item of error.errors) {
          const exact = normalizePath(item.path);
          // An error about one entry of a list field (`roleIds.2`) belongs next to the list.
          const path = fields.includes(exact) ? exact : exact.replace(/\.\d+$/, "");
          if (fields.includes(path)) placed[path] ??= item.message;
          else rest.push(exact ? `${exact}: ${item.message}` : item.message);
        }
      }
      setFieldErrors(placed);
      const hasPlaced = Object.keys(placed).length > 0;
      if (!hasPlaced || rest.length > 0)
        setFormError([hasPlaced ? null : text(error), ...rest].filter(Boolean).join("\n"));
      else setFormError(null);
      return placed;
    },
    [fields, text, setFormError],
  );

  const clearField = useCallback((name: string) => {
    setFieldErrors((current) => {
      if (!(name in current)) return current;
      const { [name]: _removed, ...rest } = current;
      return rest;
    });
  }, []);

  return { fieldErrors, formError, formErrorType, setFieldErrors, setFormError, clear, clearField, show };
}

/** Where to put the focus after a failed submit: the first field with an error. */
export function focusFirstInvalid(form: HTMLFormElement | null, errors: FieldErrors): void {
  const first = Object.keys(errors)[0];
  if (!form || !first) return;
  const element = form.querySelector<HTMLElement>(`[name="${CSS.escape(first)}"]`);
  element?.focus();
}
