import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type Compilable, CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.js";
import { activeJobStates, JobState } from "../../src/shared/jobs.js";
import { openPostgres, openSqlite, type StorageHandle } from "../../src/storage/database.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";

/**
 * The hot queries use their indexes (migration 0014_hot_indexes, issue #11 item 12). The
 * queries below are written as the services write them (job-service list/claim/sweep,
 * machine-service sessions); EXPLAIN runs on empty tables. On PostgreSQL the session sets
 * `enable_seqscan = off`: on a small table the planner rightly prefers a sequential scan, and
 * turning it off makes EXPLAIN show whether an index is *usable* for the query at all.
 */
describe.each(testDatabases())("hot query indexes (%s)", (database) => {
  let storage: StorageHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const logger = createLogger("error", new Writable({ write: (_c, _e, done) => done() }));
    if (database === "postgres") {
      const pg = await createPostgresDatabase();
      storage = openPostgres(pg.url, { logger });
      cleanup = pg.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-indexes-"));
      storage = openSqlite(path.join(dir, "dirigent.sqlite"));
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
    await storage.migrate();
    if (database === "postgres") {
      // Two partial indexes on an empty table cost the same to the planner, which then picks
      // either. Some history (most sessions closed, ten nodes) and ANALYZE make the choice real.
      // The rows name no real tenant or machine: foreign keys are not checked in this session.
      await storage.db.transaction().execute(async (tx) => {
        await tx.executeQuery(CompiledQuery.raw("set local session_replication_role = replica"));
        await tx.executeQuery(
          CompiledQuery.raw(`insert into robot_sessions
            (tenant_id, machine_id, node_id, host_name, os, agent_version, state, connected_at, last_heartbeat_at, disconnected_at)
            select 1, 1, 'n' || (i % 10), 'h', 'linux', '1', 'available', '2026-01-01', to_char(i, 'FM0000000'),
              case when i % 20 = 0 then null else '2026-01-02' end
            from generate_series(1, 2000) as i`),
        );
      });
      await storage.db.executeQuery(CompiledQuery.raw("analyze robot_sessions"));
    }
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  /** The plan as one text: PostgreSQL's EXPLAIN lines, or SQLite's EXPLAIN QUERY PLAN details. */
  async function plan(query: Compilable): Promise<string> {
    const { sql, parameters } = query.compile();
    if (database === "postgres") {
      return storage.db.transaction().execute(async (tx) => {
        await tx.executeQuery(CompiledQuery.raw("set local enable_seqscan = off"));
        const rows = await tx.executeQuery<{ "QUERY PLAN": string }>(
          CompiledQuery.raw(`explain ${sql}`, [...parameters]),
        );
        return rows.rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    }
    const rows = await storage.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    return rows.rows.map((r) => r.detail).join("\n");
  }

  it("lists a tenant's jobs newest first from jobs_tenant_list, without sorting them", async () => {
    const list = storage.db.selectFrom("jobs").selectAll().where("tenant_id", "=", 1).orderBy("id", "desc").limit(51);
    const p = await plan(list);
    expect(p).toContain("jobs_tenant_list");
    expect(p).not.toMatch(/TEMP B-TREE|Sort/);
    const page2 = await plan(list.where("id", "<", 1000));
    expect(page2).toContain("jobs_tenant_list");
    expect(page2).not.toMatch(/TEMP B-TREE|Sort/);
  });

  it("lists one folder's jobs from jobs_tenant_folder_list, and a process's or machine's from theirs", async () => {
    const base = storage.db.selectFrom("jobs").selectAll().where("tenant_id", "=", 1).orderBy("id", "desc").limit(51);
    const folder = await plan(base.where("folder_id", "=", 2));
    expect(folder).toContain("jobs_tenant_folder_list");
    expect(folder).not.toMatch(/TEMP B-TREE|Sort/);
    expect(await plan(base.where("process_id", "=", 3))).toMatch(/jobs_process|jobs_tenant_list/);
    expect(await plan(base.where("machine_id", "=", 3))).toMatch(/jobs_machine|jobs_tenant_list/);
  });

  it("claims a pending job through jobs_dispatch", async () => {
    const claim = storage.db
      .selectFrom("jobs as j")
      .select("j.id")
      .where("j.tenant_id", "=", 1)
      .where("j.state", "=", JobState.pending)
      .where((w) => w.or([w("j.target_machine_id", "is", null), w("j.target_machine_id", "=", 5)]))
      .where("j.folder_id", "in", (f) =>
        f.selectFrom("machine_folders").select("folder_id").where("machine_id", "=", 5),
      )
      .orderBy("j.priority", "desc")
      .orderBy("j.id")
      .limit(1);
    expect(await plan(claim)).toContain("jobs_dispatch");
  });

  it("finds active jobs of every tenant (sweeper, maintenance) through jobs_state, and a session's through jobs_session", async () => {
    const timed = storage.db
      .selectFrom("jobs")
      .selectAll()
      .where("state", "in", [JobState.running, JobState.stopping])
      .where((eb) => eb.or([eb("stop_after_seconds", "is not", null), eb("kill_after_seconds", "is not", null)]));
    expect(await plan(timed)).toContain("jobs_state");
    const lost = storage.db
      .selectFrom("jobs as j")
      .innerJoin("robot_sessions as s", "s.id", "j.session_id")
      .selectAll("j")
      .where("j.state", "in", [...activeJobStates])
      .where("s.disconnected_at", "is not", null)
      .where("s.disconnected_at", "<", "2026-01-01T00:00:00.000Z");
    expect(await plan(lost)).toMatch(/jobs_state|jobs_session/);
    const active = storage.db
      .selectFrom("jobs")
      .select("key")
      .where("session_id", "=", 7)
      .where("state", "in", [...activeJobStates]);
    expect(await plan(active)).toContain("jobs_session");
  });

  it("finds live robot sessions by node and by last heartbeat through the partial indexes", async () => {
    const byNode = storage.db
      .updateTable("robot_sessions")
      .set({ state: "disconnected" })
      .where("node_id", "=", "n1")
      .where("disconnected_at", "is", null);
    // Both partial indexes hold live sessions only (a few per node); PostgreSQL may read the
    // node's among them from either, and costs them the same here.
    expect(await plan(byNode)).toMatch(database === "postgres" ? /robot_sessions_live_/ : /robot_sessions_live_node/);
    const silent = storage.db
      .updateTable("robot_sessions")
      .set({ state: "disconnected" })
      .where("disconnected_at", "is", null)
      .where("last_heartbeat_at", "<", "2026-01-01T00:00:00.000Z");
    expect(await plan(silent)).toContain("robot_sessions_live_heartbeat");
  });
});
