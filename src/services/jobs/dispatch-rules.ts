import { sql } from "kysely";
import type { Clock } from "../../platform/clock.js";
import { isoNow } from "../../platform/clock.js";
import { activeJobStates, JobState } from "../../shared/jobs.js";
import { MaintenancePhase } from "../../shared/maintenance.js";
import type { Db } from "../../storage/database.js";
import type { RequestCache } from "../access/request-cache.js";
import { tenantLicense } from "../licenses/tenant-license.js";

/**
 * The rules that decide whether a pending job may start, in one place: the dispatcher applies
 * them before it claims (how many more jobs a tenant may start), and a pending job's "waiting
 * for" line is computed from the same functions, so what the page says is what holds the job.
 *
 * In order: the tenant's maintenance phase; its license (expired, or all licensed slots running
 * jobs — lowering a license stops new jobs on robots already connected); then the machines: one
 * must serve the job's folder (or be its target), be connected, and have a free slot.
 */

/** Why a pending job does not start yet: a code and parameters the UI words in the reader's language. */
export type WaitingReason =
  | { code: "maintenance"; params: { phase: string } }
  | { code: "licenseExpired"; params: Record<string, never> }
  | { code: "licenseSlots"; params: { slots: number } }
  | { code: "noMachine"; params: Record<string, never> }
  | { code: "targetMachineNotServing"; params: { machine: string } }
  | { code: "disconnected"; params: { machines: string; count: number } }
  | { code: "slotsBusy"; params: { slots: number } }
  | { code: "queued"; params: { ahead: number } };

/** The tenant's license as the dispatcher reads it: no row = no limit. */
export interface LicenseAllowance {
  /** How many more jobs the tenant may start now (Infinity without a license allocation). */
  remaining: number;
  expired: boolean;
  slots: number | null;
}

/** How many more jobs the tenant's license lets start now: licensed slots minus running jobs. */
export async function licenseAllowance(
  db: Db,
  clock: Clock,
  tenantId: number,
  cache?: RequestCache,
): Promise<LicenseAllowance> {
  const license = await tenantLicense(db, tenantId, cache);
  if (!license) return { remaining: Number.POSITIVE_INFINITY, expired: false, slots: null };
  if (license.expires_at && license.expires_at <= isoNow(clock))
    return { remaining: 0, expired: true, slots: license.robot_slots };
  const running = await db
    .selectFrom("jobs")
    .select(sql<number>`cast(count(*) as integer)`.as("c"))
    .where("tenant_id", "=", tenantId)
    .where("state", "in", [...activeJobStates])
    .executeTakeFirstOrThrow();
  return { remaining: Math.max(0, license.robot_slots - running.c), expired: false, slots: license.robot_slots };
}

/** Whether a tenant in this maintenance phase starts jobs (draining and suspended do not). */
export const phaseStartsJobs = (phase: string): boolean => phase === MaintenancePhase.none;

/**
 * Why a pending job waits, from the rules above (null when nothing holds it: it starts with the
 * dispatcher's next round). `phase` is the tenant's maintenance phase.
 */
export async function waitingReason(
  db: Db,
  clock: Clock,
  job: { id: number; tenant_id: number; folder_id: number; priority: number; target_machine_id: number | null },
  phase: string,
): Promise<WaitingReason | null> {
  if (!phaseStartsJobs(phase)) return { code: "maintenance", params: { phase } };
  const license = await licenseAllowance(db, clock, job.tenant_id);
  if (license.expired) return { code: "licenseExpired", params: {} };
  if (license.remaining <= 0) return { code: "licenseSlots", params: { slots: license.slots ?? 0 } };

  let machines = db
    .selectFrom("machines as m")
    .innerJoin("machine_folders as mf", "mf.machine_id", "m.id")
    .select(["m.id", "m.name", "m.slots"])
    .where("m.tenant_id", "=", job.tenant_id)
    .where("mf.folder_id", "=", job.folder_id);
  if (job.target_machine_id !== null) machines = machines.where("m.id", "=", job.target_machine_id);
  const serving = await machines.orderBy("m.name").execute();
  if (serving.length === 0) {
    if (job.target_machine_id !== null) {
      const target = await db
        .selectFrom("machines")
        .select("name")
        .where("id", "=", job.target_machine_id)
        .executeTakeFirst();
      return { code: "targetMachineNotServing", params: { machine: target?.name ?? `#${job.target_machine_id}` } };
    }
    return { code: "noMachine", params: {} };
  }
  const ids = serving.map((m) => m.id);
  const sessions = await db
    .selectFrom("robot_sessions")
    .select(["machine_id"])
    .where("machine_id", "in", ids)
    .where("disconnected_at", "is", null)
    .execute();
  const connected = new Set(sessions.map((s) => s.machine_id));
  const online = serving.filter((m) => connected.has(m.id));
  if (online.length === 0)
    return {
      code: "disconnected",
      params: { machines: serving.map((m) => m.name).join(", "), count: serving.length },
    };
  const slots = online.reduce((sum, m) => sum + m.slots, 0);
  const busy = await db
    .selectFrom("jobs")
    .select(sql<number>`cast(count(*) as integer)`.as("c"))
    .where(
      "machine_id",
      "in",
      online.map((m) => m.id),
    )
    .where("state", "in", [...activeJobStates])
    .executeTakeFirstOrThrow();
  if (busy.c >= slots) return { code: "slotsBusy", params: { slots } };
  // Free slots: jobs before this one (higher priority, or older at the same) go first.
  const ahead = await db
    .selectFrom("jobs")
    .select(sql<number>`cast(count(*) as integer)`.as("c"))
    .where("tenant_id", "=", job.tenant_id)
    .where("folder_id", "=", job.folder_id)
    .where("state", "=", JobState.pending)
    .where((eb) =>
      eb.or([eb("priority", ">", job.priority), eb.and([eb("priority", "=", job.priority), eb("id", "<", job.id)])]),
    )
    .executeTakeFirstOrThrow();
  return ahead.c > 0 ? { code: "queued", params: { ahead: ahead.c } } : null;
}
