import type { Selectable } from "kysely";
import { AuditAction, AuditComponent } from "../../domain/audit.js";
import { ConflictError, NotFoundError } from "../../domain/errors.js";
import { isoNow } from "../../platform/clock.js";
import type { Locale } from "../../shared/identity.js";
import type { Db } from "../../storage/database.js";
import type { AnnouncementTable } from "../../storage/schema.js";
import type { AuditService } from "../audit/audit-service.js";
import type { Actor, ServiceContext } from "../context.js";
import type { NotificationService } from "../email/notification-service.js";
import { type RenderedEmail, renderEmail } from "../email/templates.js";

export interface AnnouncementInput {
  kind: "product-update" | "planned-maintenance";
  subjectEn: string;
  bodyEn: string;
  subjectDe: string;
  bodyDe: string;
  /** Organizations to reach; null = all. */
  orgIds: number[] | null;
}

export interface Announcement extends AnnouncementInput {
  id: number;
  createdBy: string;
  createdAt: string;
  sentAt: string | null;
  recipientCount: number | null;
}

type Row = Selectable<AnnouncementTable>;

/**
 * Announcements from the host (product updates, planned maintenance) to the administrators of
 * all or chosen organizations, each sent through that organization's effective settings.
 * Drafts can be edited and previewed; sending is once.
 */
export class AnnouncementService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
  ) {}

  async list(): Promise<Announcement[]> {
    const rows = await this.ctx.db.selectFrom("announcements").selectAll().orderBy("id", "desc").limit(200).execute();
    return rows.map(present);
  }

  async get(id: number): Promise<Announcement> {
    return present(await this.find(this.ctx.db, id));
  }

  async create(actor: Actor, input: AnnouncementInput): Promise<Announcement> {
    return this.ctx.db.transaction().execute(async (tx) => {
      await this.assertOrgsExist(tx, input.orgIds);
      const row = await tx
        .insertInto("announcements")
        .values({ ...toColumns(input), created_by: actor.name, created_at: isoNow(this.ctx.clock) })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.announcements,
          action: AuditAction.create,
          target: { type: "announcement", id: row.id, name: row.subject_en },
          after: present(row),
        },
      );
      return present(row);
    });
  }

  async update(actor: Actor, id: number, input: AnnouncementInput): Promise<Announcement> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, id);
      if (before.sent_at) throw new ConflictError("This announcement was already sent.");
      await this.assertOrgsExist(tx, input.orgIds);
      const row = await tx
        .updateTable("announcements")
        .set(toColumns(input))
        .where("id", "=", id)
        .where("sent_at", "is", null)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.announcements,
          action: AuditAction.update,
          target: { type: "announcement", id, name: row.subject_en },
          before: present(before),
          after: present(row),
        },
      );
      return present(row);
    });
  }

  async delete(actor: Actor, id: number): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const before = await this.find(tx, id);
      await tx.deleteFrom("announcements").where("id", "=", id).execute();
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.announcements,
          action: AuditAction.delete,
          target: { type: "announcement", id, name: before.subject_en },
        },
      );
    });
  }

  /** The e-mail as a recipient with `locale` will see it. */
  async preview(id: number, locale: Locale): Promise<RenderedEmail> {
    const row = await this.find(this.ctx.db, id);
    return renderEmail("announcement", locale, mailData(row), { publicUrl: this.ctx.config.publicUrl, secret: null });
  }

  /** Queues the announcement to every targeted organization administrator, once. */
  async send(actor: Actor, id: number): Promise<Announcement> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const row = await this.find(tx, id);
      const orgIds = row.org_ids_json ? (JSON.parse(row.org_ids_json) as number[]) : null;
      const admins = await this.notifications.orgAdministrators(tx, orgIds);
      const claimed = await tx
        .updateTable("announcements")
        .set({ sent_at: isoNow(this.ctx.clock), recipient_count: admins.length })
        .where("id", "=", id)
        .where("sent_at", "is", null)
        .returningAll()
        .executeTakeFirst();
      if (!claimed) throw new ConflictError("This announcement was already sent.");
      for (const orgId of new Set(admins.map((a) => a.orgId))) {
        await this.notifications.notify(
          tx,
          admins.filter((a) => a.orgId === orgId),
          "announcement",
          mailData(row),
          { orgId },
        );
      }
      await this.audit.record(
        tx,
        actor,
        { scope: "host" },
        {
          component: AuditComponent.announcements,
          action: AuditAction.send,
          target: { type: "announcement", id, name: row.subject_en },
          after: { recipients: admins.length, organizations: orgIds ?? "all" },
        },
      );
      return present(claimed);
    });
  }

  private async assertOrgsExist(db: Db, orgIds: number[] | null) {
    if (!orgIds || orgIds.length === 0) return;
    const found = await db.selectFrom("organizations").select("id").where("id", "in", orgIds).execute();
    const missing = orgIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) throw new NotFoundError(`The organization ${missing.join(", ")}`);
  }

  private async find(db: Db, id: number): Promise<Row> {
    const row = await db.selectFrom("announcements").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFoundError("The announcement");
    return row;
  }
}

function toColumns(i: AnnouncementInput) {
  return {
    kind: i.kind,
    subject_en: i.subjectEn,
    body_en: i.bodyEn,
    subject_de: i.subjectDe,
    body_de: i.bodyDe,
    org_ids_json: i.orgIds && i.orgIds.length > 0 ? JSON.stringify(i.orgIds) : null,
  };
}

function mailData(row: Row) {
  return {
    kind: row.kind,
    subjectEn: row.subject_en,
    bodyEn: row.body_en,
    subjectDe: row.subject_de,
    bodyDe: row.body_de,
  };
}

function present(r: Row): Announcement {
  return {
    id: r.id,
    kind: r.kind,
    subjectEn: r.subject_en,
    bodyEn: r.body_en,
    subjectDe: r.subject_de,
    bodyDe: r.body_de,
    orgIds: r.org_ids_json ? (JSON.parse(r.org_ids_json) as number[]) : null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    recipientCount: r.recipient_count,
  };
}
