import { z } from "zod";

/** Field schemas the API's shapes are built from (server and web share them; see README.md here). */

/** Largest id of an integer id column (PostgreSQL `integer`): larger numbers are a 400, never a database error. */
export const maxId = 2_147_483_647;
/** A positive 32-bit id, e.g. a path parameter. */
export const positiveId = z.coerce.number().int().positive().max(maxId, "is not a valid id");
/** A positive 32-bit id in a JSON body (a number, not a numeric string). */
export const bodyId = z.number().int().positive().max(maxId, "is not a valid id");

/** A JSON object of arguments (input or output of a job, a process's defaults). */
export const jsonObject = z.record(z.string(), z.unknown());

/** Free text that ends up in headers, CSV cells or e-mails: no control characters (CR/LF injection). */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

/** Length-limited text; NUL is refused for every field by the input guard (http/input-guard.ts). */
export const limited = (max: number) => z.string().max(max, `must be at most ${max} characters`);

export const email = z.string().trim().max(254).pipe(z.email("must be a valid e-mail address"));
