/** Organization slugs appear in URLs and on the login page: lower-case letters, digits, dashes. */
export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Slugs that would collide with routes or confuse users. */
export const reservedSlugs = new Set(["host", "api", "admin", "login", "org", "orgs", "profile", "assets", "static"]);

/** Suggests a slug from an organization name: "Müller & Söhne GmbH" → "muller-sohne-gmbh". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/g, "");
}
