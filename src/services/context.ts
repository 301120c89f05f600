import { ConflictError } from "../domain/errors.js";
import type { Clock } from "../platform/clock.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import { ProblemType } from "../shared/problem-types.js";
import type { Db } from "../storage/database.js";
import type { DialectHelpers } from "../storage/dialect.js";
import type { PrincipalKind } from "../storage/schema.js";
import type { TenantChanges } from "./changes/tenant-changes.js";
import type { DomainEvents } from "./events/domain-events.js";

/** What every service is built with. */
export interface ServiceContext {
  db: Db;
  dialect: DialectHelpers;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Domain events, told inside the transaction that made them (set by createServices). */
  events?: DomainEvents;
  /** The tenant change feed of the live pages (set by createServices). */
  changes?: TenantChanges;
}

/** Who performs an action, and from where: written into every audit row. */
export interface Actor {
  /** `robot`: a running job calling with its job token (`id` is the job's id). */
  kind: PrincipalKind | "system" | "robot";
  id: number | null;
  name: string;
  /** The organization of a user actor. */
  orgId: number | null;
  ip: string | null;
  userAgent: string | null;
}

export const systemActor: Actor = { kind: "system", id: null, name: "system", orgId: null, ip: null, userAgent: null };

/** A page of a list endpoint. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Turns `limit + 1` fetched rows into a page whose cursor is the last item's id. */
export function toPage<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? String(last.id) : null };
}

/**
 * Runs `work`; a unique-constraint violation (a name, slug or version someone already has)
 * becomes a 409 `already-exists` that names the field.
 */
export async function uniqueOrConflict<T>(
  ctx: ServiceContext,
  work: () => Promise<T>,
  detail: string,
  field = "name",
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (ctx.dialect.isUniqueViolation(error)) {
      throw new ConflictError(detail, ProblemType.alreadyExists, {
        errors: [{ path: field, message: "is already taken" }],
      });
    }
    throw error;
  }
}
