import { z } from "zod";
import { positiveId } from "../shared/api/fields.js";
import { AccountStatus, locales, OrgRole } from "../shared/identity.js";
import { ProblemType } from "../shared/problem-types.js";

/** Field schemas shared by the routes. Objects are `.strict()`: unknown fields are rejected. */

export const locale = z.enum(locales);
export const accountStatus = z.enum([AccountStatus.active, AccountStatus.disabled]);
export const orgRole = z.enum([OrgRole.orgAdmin, OrgRole.user]);

export { password, principalSchema } from "../shared/api/auth.js";
export { bodyId, email, maxId, positiveId, text } from "../shared/api/fields.js";

export const idParam = z.object({ id: positiveId }).strict();

/**
 * A folder in a path: its id, its key (UUID) or its path of names (`Finance/Invoices`, slashes
 * percent-encoded as `%2F`; a leading `/` makes a name of digits a path). Resolved to the id by
 * the tenant routes' preHandler (`folderOf`), as the tenant is accepted by id or name.
 */
export const folderRef = z
  .string()
  .min(1)
  .max(1000)
  .describe("The folder's id, key (UUID) or path of names (`Finance/Invoices`; `/2024` for a folder named 2024)");
export const orgParam = z.object({ org: z.string().min(1).max(100) }).strict();

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(40).optional(),
};

/** The cursor of a list sorted by `?sort=` (sorted-page.ts): longer than an id. */
export const sortedCursor = z.string().max(200).optional();

/** A query flag: `true` or `false` (query strings carry text; compare with `"true"`). */
export const booleanQuery = z.enum(["true", "false"]);

/** A numeric list cursor (the last id of the previous page). */
export const idCursor = positiveId.optional();

export const problemSchema = z
  .object({
    type: z.enum(Object.values(ProblemType) as [ProblemType, ...ProblemType[]]),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough();

/** Standard error answers for the OpenAPI description of a route. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemSchema.describe("application/problem+json")]));
