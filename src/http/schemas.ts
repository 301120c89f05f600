import { z } from "zod";
import { maxPasswordLength } from "../domain/password-policy.js";
import { AccountStatus, locales, OrgRole } from "../shared/identity.js";
import { ProblemType } from "../shared/problem-types.js";

/** Field schemas shared by the routes. Objects are `.strict()`: unknown fields are rejected. */

/** Free text that ends up in headers, CSV cells or e-mails: no control characters (CR/LF injection). */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

export const email = z.string().trim().max(254).pipe(z.email("must be a valid e-mail address"));
export const password = z.string().min(1, "must not be empty").max(maxPasswordLength);
export const locale = z.enum(locales);
export const accountStatus = z.enum([AccountStatus.active, AccountStatus.disabled]);
export const orgRole = z.enum([OrgRole.orgAdmin, OrgRole.user]);

/** Largest id of an integer id column (PostgreSQL `integer`): larger numbers are a 400, never a database error. */
export const maxId = 2_147_483_647;
/** A positive 32-bit id, e.g. a path parameter. */
export const positiveId = z.coerce.number().int().positive().max(maxId, "is not a valid id");

/** A positive 32-bit id in a JSON body (a number, not a numeric string). */
export const bodyId = z.number().int().positive().max(maxId, "is not a valid id");

export const idParam = z.object({ id: positiveId }).strict();
export const orgParam = z.object({ org: z.string().min(1).max(100) }).strict();

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(40).optional(),
};

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

export const principalSchema = z.union([
  z.object({
    kind: z.literal("admin"),
    id: z.number(),
    username: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    locale,
  }),
  z.object({
    kind: z.literal("user"),
    id: z.number(),
    email: z.string(),
    name: z.string(),
    role: orgRole,
    locale,
    organization: z.object({ id: z.number(), slug: z.string(), name: z.string() }),
  }),
]);

/** Standard error answers for the OpenAPI description of a route. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemSchema.describe("application/problem+json")]));
