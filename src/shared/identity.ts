import type { z } from "zod";
import type { principalSchema } from "./api/auth.js";

/** Account and organization states and roles shared by the server and the UI. */
export const AccountStatus = { active: "active", disabled: "disabled" } as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

export const OrgRole = { orgAdmin: "org_admin", user: "user" } as const;
export type OrgRole = (typeof OrgRole)[keyof typeof OrgRole];

export const Locale = { en: "en", de: "de" } as const;
export type Locale = (typeof Locale)[keyof typeof Locale];
export const locales = Object.values(Locale);

/**
 * Who is calling: a system administrator (host level) or a user of one organization. The shape is
 * the API's (`principalSchema`); an administrator's `setupRequired` is present while the account
 * must choose a password and give an e-mail address (the bootstrap administrator).
 */
export type Principal = z.infer<typeof principalSchema>;
