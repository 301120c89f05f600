import { type RefObject, useCallback, useState } from "react";
import { type FieldErrors, focusFirstInvalid, type useFormErrors } from "./errors";

/**
 * The submit cycle of a dialog form: `invalid` shows the form's own checks next to their fields,
 * `run` clears old errors, shows the pending state while `action` runs and, when it throws,
 * places the server's errors beside the fields (with `showError`, by default `errors.show`) and
 * focuses the first. `run` resolves to whether the action succeeded.
 */
export function useFormSubmit(
  errors: ReturnType<typeof useFormErrors>,
  formRef: RefObject<HTMLFormElement | null>,
  showError: (error: unknown) => FieldErrors = errors.show,
) {
  const [pending, setPending] = useState(false);
  const { clear, setFieldErrors, setFormError } = errors;

  const invalid = useCallback(
    (local: FieldErrors) => {
      setFormError(null);
      setFieldErrors(local);
      focusFirstInvalid(formRef.current, local);
    },
    [setFormError, setFieldErrors, formRef],
  );

  const run = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      clear();
      setPending(true);
      try {
        await action();
        return true;
      } catch (error) {
        focusFirstInvalid(formRef.current, showError(error));
        return false;
      } finally {
        setPending(false);
      }
    },
    [clear, showError, formRef],
  );

  return { pending, invalid, run };
}
