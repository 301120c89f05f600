import { stringify } from "csv-stringify/sync";
import type { AuditAction, AuditComponent } from "../../domain/audit.js";
import { maskSecrets } from "../../domain/audit.js";
import { neutraliseFormula } from "../../domain/csv.js";
import { ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { AuditEntry as AuditRecord } from "../../shared/api/host.js";
import type { Db } from "../../storage/database.js";
import { countAll } from "../../storage/dialect.js";
import type { AuditLogRow, AuditScope } from "../../storage/schema.js";
import { type Actor, type Page, type ServiceContext, toPage } from "../context.js";

export interface AuditEntry {
  component: AuditComponent;
  action: AuditAction;
  target?: { type: string; id: number | string; name: string } | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter {
  from?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  component?: string | undefined;
  action?: string | undefined;
  q?: string | undefined;
}

export type { AuditRecord };

/**
 * Where an action inside an organization is logged: in the organization's own log when one of
 * its users (or its running jobs) acted, in the host log when a system administrator did.
 */
export function orgAuditScope(actor: Actor, orgId: number) {
  return actor.kind === "user" || actor.kind === "robot"
    ? ({ scope: "org", orgId } as const)
    : ({ scope: "host" } as const);
}

/** Most rows one CSV export holds; a larger export must narrow its filters. */
const maxCsvRows = 100_000;

/**
 * The host and organization audit logs. Rows are written by the services inside the
 * transaction of the change they describe, so a change and its audit row commit together.
 */
export class AuditService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Writes one audit row. `scope` org rows belong to `orgId`; host rows have none. */
  async record(db: Db, actor: Actor, scope: { scope: AuditScope; orgId?: number | null }, entry: AuditEntry) {
    await db
      .insertInto("audit_logs")
      .values({
        scope: scope.scope,
        org_id: scope.orgId ?? null,
        actor_kind: actor.kind,
        actor_id: actor.id,
        actor_name: actor.name,
        component: entry.component,
        action: entry.action,
        target_type: entry.target?.type ?? null,
        target_id: entry.target ? String(entry.target.id) : null,
        target_name: entry.target?.name ?? null,
        before_json: entry.before === undefined ? null : JSON.stringify(maskSecrets(entry.before)),
        after_json: entry.after === undefined ? null : JSON.stringify(maskSecrets(entry.after)),
        ip: actor.ip,
        user_agent: actor.userAgent?.slice(0, 512) ?? null,
        created_at: isoNow(this.ctx.clock),
      })
      .execute();
  }

  async list(
    scope: { scope: AuditScope; orgId?: number },
    filter: AuditFilter,
    limit: number,
    cursor?: string,
    options: { oldestFirst?: boolean; total?: boolean } = {},
  ): Promise<Page<AuditRecord> & { total?: number }> {
    // Entries are written in time order, so the id orders them by time both ways (and is the cursor).
    const direction = options.oldestFirst ? "asc" : "desc";
    let query = this.filtered(scope, filter)
      .orderBy("id", direction)
      .limit(limit + 1);
    if (cursor !== undefined) {
      const after = Number(cursor);
      if (!Number.isInteger(after)) throw ValidationError.field("cursor", "is not a valid cursor");
      query = query.where("id", direction === "asc" ? ">" : "<", after);
    }
    const rows = await query.execute();
    const page = toPage(rows, limit);
    const total = options.total
      ? Number(
          (await this.filtered(scope, filter).clearSelect().select(countAll().as("c")).executeTakeFirstOrThrow()).c,
        )
      : undefined;
    return { items: page.items.map(present), nextCursor: page.nextCursor, ...(total !== undefined && { total }) };
  }

  /** The filtered log as CSV (newest first), for download. */
  async csv(scope: { scope: AuditScope; orgId?: number }, filter: AuditFilter): Promise<string> {
    const rows = await this.filtered(scope, filter).orderBy("id", "desc").limit(maxCsvRows).execute();
    const header = [
      "Time",
      "Actor",
      "Actor type",
      "Component",
      "Action",
      "Target type",
      "Target id",
      "Target",
      "Before",
      "After",
      "Client IP",
      "User agent",
    ];
    return stringify([
      header,
      ...rows.map((r) =>
        [
          r.created_at,
          r.actor_name,
          r.actor_kind,
          r.component,
          r.action,
          r.target_type ?? "",
          r.target_id ?? "",
          r.target_name ?? "",
          r.before_json ?? "",
          r.after_json ?? "",
          r.ip ?? "",
          r.user_agent ?? "",
        ].map(neutraliseFormula),
      ),
    ]);
  }

  private filtered(scope: { scope: AuditScope; orgId?: number }, f: AuditFilter) {
    const { contains } = this.ctx.dialect;
    let q = this.ctx.db.selectFrom("audit_logs").selectAll().where("scope", "=", scope.scope);
    if (scope.orgId !== undefined) q = q.where("org_id", "=", scope.orgId);
    if (f.from) q = q.where("created_at", ">=", f.from);
    if (f.to) q = q.where("created_at", "<=", f.to);
    if (f.actor) q = q.where(contains("actor_name", f.actor));
    if (f.component) q = q.where("component", "=", f.component);
    if (f.action) q = q.where("action", "=", f.action);
    if (f.q) {
      const text = f.q;
      q = q.where((eb) =>
        eb.or(
          (["actor_name", "target_name", "component", "action", "before_json", "after_json"] as const).map((c) =>
            contains(c, text),
          ),
        ),
      );
    }
    return q;
  }
}

function present(r: AuditLogRow): AuditRecord {
  return {
    id: r.id,
    time: r.created_at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    component: r.component,
    action: r.action,
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id, name: r.target_name } : null,
    before: r.before_json ? JSON.parse(r.before_json) : null,
    after: r.after_json ? JSON.parse(r.after_json) : null,
    clientIp: r.ip,
    userAgent: r.user_agent,
  };
}
