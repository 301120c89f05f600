import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writesOf } from "../../src/storage/database.js";
import type { MachineRow } from "../../src/storage/schema.js";
import { unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Robot sessions opened together (services/robots/session-opener.ts): the hellos of one moment
 * share one INSERT and one transaction, each still gets its own session row, and a hello that
 * cannot be recorded fails alone.
 */
describe.each(testDatabases())("robot sessions opened together (%s)", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let machines: MachineRow[];

  beforeAll(async () => {
    // No background loops: the statements counted below are the hellos' own.
    server = await startTestServer({ database, env: { DIRIGENT_SERVICES: "api" } });
    org = await createOrg(await adminApi(server));
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await org.admin.api.post(`${t}/machines`, { name: unique("m"), slots: 1 });
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.id as number);
    }
    machines = await server.server.storage.db
      .selectFrom("machines")
      .selectAll()
      .where("id", "in", ids)
      .orderBy("id")
      .execute();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const info = (hostName: string) => ({ hostName, os: "linux", agentVersion: "test" });
  const open = (machine: MachineRow, hostName: string) =>
    server.server.services.machines.openSession(machine, "node-test", info(hostName));

  async function stored(ids: number[]) {
    const rows = await server.server.storage.db
      .selectFrom("robot_sessions")
      .select(["id", "machine_id", "host_name"])
      .where("id", "in", ids)
      .execute();
    return new Map(rows.map((r) => [r.id, [r.machine_id, r.host_name]]));
  }

  it("gives each hello of a storm its own session, in one statement", async () => {
    const [a, b, c] = machines as [MachineRow, MachineRow, MachineRow];
    const asked: [MachineRow, string][] = [];
    for (let i = 0; i < 30; i++) asked.push([[a, b, c][i % 3] as MachineRow, `host-${i % 7}`]);
    const writes = writesOf(server.server.storage.db);
    const before = writes?.statements ?? 0;
    const ids = await Promise.all(asked.map(([m, host]) => open(m, host)));
    // One INSERT for all 30 (and at most the tenant's webhooks read for their events).
    expect((writes?.statements ?? 0) - before).toBeLessThanOrEqual(2);
    expect(new Set(ids).size).toBe(30);
    const rows = await stored(ids);
    ids.forEach((id, i) => {
      expect(rows.get(id)).toEqual([asked[i]?.[0].id, asked[i]?.[1]]);
    });
  });

  it("fails only the hello that cannot be recorded, and records the others", async () => {
    const [a, b] = machines as [MachineRow, MachineRow];
    // A machine deleted between its key's check and its hello: its row breaks the foreign key.
    const gone: MachineRow = { ...a, id: 2_000_000_000 };
    const results = await Promise.allSettled([open(a, "h-a"), open(gone, "h-gone"), open(b, "h-b"), open(b, "h-b")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const ids = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(new Set(ids).size).toBe(3);
    const rows = await stored(ids);
    expect(ids.map((id) => rows.get(id))).toEqual([
      [a.id, "h-a"],
      [b.id, "h-b"],
      [b.id, "h-b"],
    ]);
  });
});
