import { z } from "zod";
import { MaintenancePhase } from "../maintenance.js";
import { bodyId, text } from "./fields.js";

/** The API's shapes of the host portal: maintenance, licenses, the audit log. */

const phase = z.enum([MaintenancePhase.none, MaintenancePhase.draining, MaintenancePhase.suspended]);
export const maintenanceWindowSchema = z.object({
  id: z.number(),
  phase,
  tenantId: z.number().nullable(),
  killJobs: z.boolean(),
  startedAt: z.string(),
  startedBy: z.string(),
  expectedEndAt: z.string().nullable().describe("The end the administrator announced; null = none"),
  jobStopsAttempted: z.number(),
  jobKillsAttempted: z.number(),
  triggersSkipped: z.number(),
});
export const maintenanceStateSchema = z.object({
  phase,
  current: maintenanceWindowSchema.nullable(),
  tenants: z.array(
    z.object({
      tenantId: z.number(),
      tenantName: z.string(),
      orgId: z.number(),
      orgSlug: z.string(),
      orgName: z.string(),
      phase,
      window: maintenanceWindowSchema,
    }),
  ),
  log: z.array(z.object({ phase, actorName: z.string(), createdAt: z.string(), tenantId: z.number().nullable() })),
});

export const licenseSchema = z.object({
  tenantId: z.number(),
  tenantName: z.string(),
  tenantStatus: z.string(),
  orgId: z.number(),
  orgSlug: z.string(),
  orgName: z.string(),
  robotSlots: z.number().nullable(),
  expiresAt: z.string().nullable(),
  daysLeft: z.number().nullable(),
  updatedAt: z.string().nullable(),
});

export const auditRecordSchema = z.object({
  id: z.number(),
  time: z.string(),
  actor: z.object({ kind: z.string(), id: z.number().nullable(), name: z.string() }),
  component: z.string(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string(), name: z.string().nullable() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
});

const body = z.string().trim().min(1, "must not be empty").max(20_000, "must be at most 20000 characters");

/** A host announcement to organization administrators (orgIds null = every organization). */
export const announcementInputSchema = z
  .object({
    kind: z.enum(["product-update", "planned-maintenance"]),
    subjectEn: text(200),
    bodyEn: body,
    subjectDe: text(200),
    bodyDe: body,
    orgIds: z.array(bodyId).max(10_000).nullable(),
  })
  .strict();

export const announcementSchema = announcementInputSchema.extend({
  id: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  recipientCount: z.number().nullable(),
});

/** Counts for the host portal's dashboard. */
export const hostCountsSchema = z.object({
  organizations: z.object({ total: z.number(), active: z.number(), disabled: z.number() }),
  tenants: z.object({ total: z.number() }),
  users: z.object({ total: z.number() }),
  administrators: z.object({ total: z.number(), active: z.number() }),
  maintenance: z.object({
    phase: z.enum([MaintenancePhase.none, MaintenancePhase.draining, MaintenancePhase.suspended]),
  }),
});

export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;
export type MaintenanceState = z.infer<typeof maintenanceStateSchema>;
export type TenantMaintenance = MaintenanceState["tenants"][number];
export type MaintenanceLogEntry = MaintenanceState["log"][number];
export type TenantLicense = z.infer<typeof licenseSchema>;
export type AuditEntry = z.infer<typeof auditRecordSchema>;
export type AnnouncementInput = z.infer<typeof announcementInputSchema>;
export type Announcement = z.infer<typeof announcementSchema>;
export type AnnouncementKind = AnnouncementInput["kind"];
export type HostCounts = z.infer<typeof hostCountsSchema>;
