import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { isValidTimeZone } from "../../domain/cron.js";
import { ConflictError, NotFoundError, ValidationError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { Calendar, CalendarInput } from "../../shared/api/triggers.js";
import { ProblemType } from "../../shared/problem-types.js";
import type { Db } from "../../storage/database.js";
import type { CalendarRow } from "../../storage/schema.js";
import type { TenantAccess } from "../access/access-service.js";
import { type AuditService, orgAuditScope } from "../audit/audit-service.js";
import { type Actor, type ServiceContext, uniqueOrConflict } from "../context.js";

export type { Calendar, CalendarInput };

/**
 * Non-working-day calendars of a tenant (orchestrator-spec §3.7): named lists of excluded dates
 * in a time zone; a time trigger using one skips its fire times on those dates. Reading needs
 * any access to the tenant; changing needs `settings.edit`.
 */
export class CalendarService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
  ) {}

  async list(access: TenantAccess): Promise<Calendar[]> {
    const rows = await this.ctx.db
      .selectFrom("calendars")
      .selectAll()
      .where("tenant_id", "=", access.tenantId)
      .orderBy("name")
      .execute();
    return rows.map(present);
  }

  async get(access: TenantAccess, id: number): Promise<Calendar> {
    return present(await this.find(this.ctx.db, access.tenantId, id));
  }

  async create(actor: Actor, orgId: number, access: TenantAccess, input: CalendarInput): Promise<Calendar> {
    access.assertTenant("settings.edit");
    const clean = validate(input);
    return this.unique(clean.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        const now = isoNow(this.ctx.clock);
        const row = await tx
          .insertInto("calendars")
          .values({
            tenant_id: access.tenantId,
            name: clean.name,
            time_zone: clean.timeZone,
            excluded_dates_json: JSON.stringify(clean.excludedDates),
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.calendars,
          action: AuditAction.create,
          target: { type: "calendar", id: row.id, name: row.name },
          after: present(row),
        });
        return present(row);
      }),
    );
  }

  async update(
    actor: Actor,
    orgId: number,
    access: TenantAccess,
    id: number,
    changes: Partial<CalendarInput>,
  ): Promise<Calendar> {
    access.assertTenant("settings.edit");
    const before = present(await this.find(this.ctx.db, access.tenantId, id));
    const clean = validate({ ...before, ...changes });
    return this.unique(clean.name, () =>
      this.ctx.db.transaction().execute(async (tx) => {
        if (clean.timeZone !== before.timeZone) {
          // Its triggers run in its zone (TriggerService's assertCalendarZone): moving the zone
          // would silently move their fire times, so it is refused while any trigger uses it.
          const users = await tx.selectFrom("triggers").select("name").where("calendar_id", "=", id).limit(5).execute();
          if (users.length > 0) {
            throw new ConflictError(
              `The calendar's time zone cannot change while the trigger(s) ${users.map((u) => `"${u.name}"`).join(", ")} use it; they run in its zone.`,
              ProblemType.calendarInUse,
              { errors: [{ path: "timeZone", message: "cannot change while triggers use this calendar" }] },
            );
          }
        }
        const row = await tx
          .updateTable("calendars")
          .set({
            name: clean.name,
            time_zone: clean.timeZone,
            excluded_dates_json: JSON.stringify(clean.excludedDates),
            updated_at: isoNow(this.ctx.clock),
          })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
          component: AuditComponent.calendars,
          action: AuditAction.update,
          target: { type: "calendar", id, name: row.name },
          before,
          after: present(row),
        });
        return present(row);
      }),
    );
  }

  async delete(actor: Actor, orgId: number, access: TenantAccess, id: number): Promise<void> {
    access.assertTenant("settings.edit");
    const row = await this.find(this.ctx.db, access.tenantId, id);
    await this.ctx.db.transaction().execute(async (tx) => {
      const users = await tx.selectFrom("triggers").select("name").where("calendar_id", "=", id).limit(5).execute();
      if (users.length > 0) {
        throw new ConflictError(
          `The calendar is used by the trigger(s) ${users.map((u) => `"${u.name}"`).join(", ")}; remove it from them first.`,
          ProblemType.calendarInUse,
        );
      }
      await tx.deleteFrom("calendars").where("id", "=", id).execute();
      await this.audit.record(tx, actor, orgAuditScope(actor, orgId), {
        component: AuditComponent.calendars,
        action: AuditAction.delete,
        target: { type: "calendar", id, name: row.name },
        before: present(row),
      });
    });
  }

  /** A calendar of the tenant, or a 400 naming `field` (for triggers that reference one). */
  async findForTrigger(db: Db, tenantId: number, id: number, field = "calendarId"): Promise<CalendarRow> {
    const row = await db
      .selectFrom("calendars")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw ValidationError.field(field, "is not a calendar of this tenant");
    return row;
  }

  private async find(db: Db, tenantId: number, id: number): Promise<CalendarRow> {
    const row = await db
      .selectFrom("calendars")
      .selectAll()
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("The calendar");
    return row;
  }

  private unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    return uniqueOrConflict(this.ctx, work, `A calendar named "${name}" already exists in this tenant.`);
  }
}

function validate(input: CalendarInput): CalendarInput {
  if (!isValidTimeZone(input.timeZone)) throw ValidationError.field("timeZone", "is not a known IANA time zone");
  const errors = input.excludedDates
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => !isCalendarDate(d))
    .map(({ i }) => ({ path: `excludedDates.${i}`, message: "must be a real date written YYYY-MM-DD" }));
  if (errors.length > 0) throw new ValidationError(errors);
  return { name: input.name.trim(), timeZone: input.timeZone, excludedDates: [...new Set(input.excludedDates)].sort() };
}

/** `YYYY-MM-DD` naming a day that exists (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

export function presentCalendar(r: CalendarRow): Calendar {
  return present(r);
}

function present(r: CalendarRow): Calendar {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    excludedDates: JSON.parse(r.excluded_dates_json) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
