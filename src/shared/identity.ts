/** Account and organization states and roles shared by the server and the UI. */
export const AccountStatus = { active: "active", disabled: "disabled" } as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

export const OrgRole = { orgAdmin: "org_admin", user: "user" } as const;
export type OrgRole = (typeof OrgRole)[keyof typeof OrgRole];

export const Locale = { en: "en", de: "de" } as const;
export type Locale = (typeof Locale)[keyof typeof Locale];
export const locales = Object.values(Locale);

/** Who is calling: a system administrator (host level) or a user of one organization. */
export type Principal =
  | { kind: "admin"; id: number; username: string; name: string; email: string | null; locale: Locale }
  | {
      kind: "user";
      id: number;
      email: string;
      name: string;
      role: OrgRole;
      locale: Locale;
      organization: { id: number; slug: string; name: string };
    };
