/** What the sign-in page remembers in this browser: the last organization and account type. */
export const LAST_ORG_KEY = "dirigent.lastOrganization";
export const LAST_MODE_KEY = "dirigent.lastLoginMode";

export function rememberedOrganization(): string {
  try {
    return window.localStorage.getItem(LAST_ORG_KEY) ?? "";
  } catch {
    return "";
  }
}

export function rememberedMode(): "organization" | "admin" {
  try {
    return window.localStorage.getItem(LAST_MODE_KEY) === "admin" ? "admin" : "organization";
  } catch {
    return "organization";
  }
}

export function remember(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Only a convenience for the next sign-in.
  }
}
