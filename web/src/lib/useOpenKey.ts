import { useState } from "react";

/**
 * A number that changes every time a dialog opens: used as the `key` of the dialog's form so each
 * opening starts with empty fields, while the closing animation still shows the old content.
 */
export function useOpenKey(opened: boolean): number {
  const [state, setState] = useState({ opened, key: 0 });
  if (opened !== state.opened) {
    // Adjusting state during render is React's documented way to react to a prop change.
    setState({ opened, key: opened ? state.key + 1 : state.key });
  }
  return opened !== state.opened && opened ? state.key + 1 : state.key;
}
