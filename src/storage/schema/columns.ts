import type { Generated } from "kysely";

/** Column types shared by the tables. */

/** An id the database generates (integer identity / autoincrement). */
export type Id = Generated<number>;
/** ISO-8601 UTC text in both databases (see dialect.ts for why). */
export type Timestamp = string;
/** Booleans are integers 0/1 in both databases. */
export type Flag = number;
