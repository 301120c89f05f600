import "i18next";
import type en from "./en.json";

// Typed translation keys: a `t("…")` call with a key missing from en.json does not compile.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}
