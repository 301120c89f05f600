import { JobState } from "../../shared/jobs.js";
import type { Db } from "../database.js";
import type { DialectName } from "../dialect.js";
import type { JobRow } from "../schema.js";

export interface ClaimJob {
  sessionId: number;
  machineId: number;
  tenantId: number;
  now: string;
  /** The hash of the job token the robot gets (the token itself is never stored). */
  tokenHash: string;
}

/**
 * What the robot needs besides the job row: the package's checksum and format (null when the
 * version was deleted), and the names and keys the original's clients read inside a job
 * (UIPATH_* variables).
 */
export interface AssignmentDetails {
  sha256: string | null;
  format: "zip" | "tgz" | null;
  orgSlug: string;
  tenantName: string;
  folderKey: string | null;
  machineKey: string | null;
}

/**
 * Hands the best pending job a machine may run to one of its sessions: its tenant, one of the
 * machine's folders, not targeted at another machine; highest priority, then oldest.
 *
 * ONE conditional statement, so two nodes (or two robots) never get the same job:
 * - PostgreSQL: the inner SELECT takes its row `FOR UPDATE SKIP LOCKED`, so robots claiming at
 *   the same moment skip each other's candidate instead of queueing behind it and finding it
 *   taken; the outer `state = 'pending'` re-check guards the rest.
 * - SQLite: one writer; the sub-select and the update see the same snapshot (no row locks, so the
 *   clause is left out).
 * The folder filter is a sub-select over `machine_folders`, served by its primary key; the order
 * by (priority desc, id) with the tenant/state filter uses the `jobs_dispatch` index.
 * The assignment's details come back with the row (sub-selects by primary key in RETURNING), so
 * handing out a job takes no statement after its transaction.
 */
export async function claimJob(
  db: Db,
  dialect: DialectName,
  c: ClaimJob,
): Promise<{ job: JobRow; details: AssignmentDetails } | undefined> {
  const row = await db
    .updateTable("jobs")
    .set({
      state: JobState.running,
      machine_id: c.machineId,
      session_id: c.sessionId,
      started_at: c.now,
      updated_at: c.now,
      token_hash: c.tokenHash,
    })
    .where("id", "=", (eb) =>
      eb
        .selectFrom("jobs as j")
        .select("j.id")
        .where("j.tenant_id", "=", c.tenantId)
        .where("j.state", "=", JobState.pending)
        .where((w) => w.or([w("j.target_machine_id", "is", null), w("j.target_machine_id", "=", c.machineId)]))
        .where("j.folder_id", "in", (f) =>
          f.selectFrom("machine_folders").select("folder_id").where("machine_id", "=", c.machineId),
        )
        .orderBy("j.priority", "desc")
        .orderBy("j.id")
        .limit(1)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .where("state", "=", JobState.pending)
    .returningAll()
    .returning((eb) => [
      eb
        .selectFrom("packages as p")
        .select("p.sha256")
        .whereRef("p.id", "=", "jobs.package_id")
        .whereRef("p.tenant_id", "=", "jobs.tenant_id")
        .as("d_sha256"),
      eb
        .selectFrom("packages as p")
        .select("p.format")
        .whereRef("p.id", "=", "jobs.package_id")
        .whereRef("p.tenant_id", "=", "jobs.tenant_id")
        .as("d_format"),
      eb
        .selectFrom("tenants as t")
        .innerJoin("organizations as o", "o.id", "t.org_id")
        .select("o.slug")
        .whereRef("t.id", "=", "jobs.tenant_id")
        .as("d_org_slug"),
      eb.selectFrom("tenants as t").select("t.name").whereRef("t.id", "=", "jobs.tenant_id").as("d_tenant_name"),
      eb
        .selectFrom("folders as f")
        .select("f.key")
        .whereRef("f.id", "=", "jobs.folder_id")
        .whereRef("f.tenant_id", "=", "jobs.tenant_id")
        .as("d_folder_key"),
      eb
        .selectFrom("machines as m")
        .select("m.key")
        .where("m.id", "=", c.machineId)
        .whereRef("m.tenant_id", "=", "jobs.tenant_id")
        .as("d_machine_key"),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  const { d_sha256, d_format, d_org_slug, d_tenant_name, d_folder_key, d_machine_key, ...job } = row;
  return {
    job,
    details: {
      sha256: d_sha256,
      format: d_format,
      orgSlug: d_org_slug as string,
      tenantName: d_tenant_name as string,
      folderKey: d_folder_key,
      machineKey: d_machine_key,
    },
  };
}
