import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.each(testDatabases())("cluster node rows and dead-node sessions (%s)", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let machineId: number;
  let tenantId: number;

  beforeAll(async () => {
    // No sweepers on this node: the test runs the dead-node sweep itself, so its counts are its own.
    server = await startTestServer({ database, env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    tenantId = org.defaultTenantId;
    const res = await org.admin.api.post(`/orgs/${org.slug}/tenants/${tenantId}/machines`, {
      name: unique("m"),
      slots: 1,
    });
    expect(res.status, res.text).toBe(201);
    machineId = res.body.id;
  });
  afterAll(() => server?.stop());

  const db = () => server.server.services.ctx.db;
  const self = () => server.server.services.robotHub.nodeId;
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

  async function openSession(nodeId: string): Promise<number> {
    const row = await db()
      .insertInto("robot_sessions")
      .values({
        tenant_id: tenantId,
        machine_id: machineId,
        node_id: nodeId,
        host_name: "h",
        os: "linux",
        agent_version: "1",
        state: "available",
        connected_at: iso(0),
        last_heartbeat_at: iso(0),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  const session = (id: number) =>
    db().selectFrom("robot_sessions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("registers the node at start-up", async () => {
    const row = await db().selectFrom("cluster_nodes").selectAll().where("node_id", "=", self()).executeTakeFirst();
    expect(row).toBeDefined();
  });

  it("closes the sessions of a node silent for a minute at once, and only those", async () => {
    const dead = unique("node-dead");
    const alive = unique("node-alive");
    const legacy = unique("node-legacy");
    await db()
      .insertInto("cluster_nodes")
      .values([
        { node_id: dead, started_at: iso(600_000), last_seen_at: iso(61_000) },
        { node_id: alive, started_at: iso(600_000), last_seen_at: iso(5_000) },
      ])
      .execute();
    const [onDead, onAlive, onLegacy, onSelf] = [
      await openSession(dead),
      await openSession(alive),
      await openSession(legacy),
      await openSession(self()),
    ];
    // Even with its own row made stale (a clock moved forward), a node never takes itself for dead.
    await db()
      .updateTable("cluster_nodes")
      .set({ last_seen_at: iso(3_600_000) })
      .where("node_id", "=", self())
      .execute();

    expect(await server.server.services.machines.closeDeadNodes(self(), 60)).toBe(1);
    const closed = await session(onDead);
    expect(closed.disconnected_at).not.toBeNull();
    expect(closed.state).toBe("disconnected");
    expect(closed.disconnect_reason).toBe("The server holding the connection stopped.");
    for (const id of [onAlive, onLegacy, onSelf]) expect((await session(id)).disconnected_at).toBeNull();
    const nodes = (await db().selectFrom("cluster_nodes").select("node_id").execute()).map((n) => n.node_id);
    expect(nodes).not.toContain(dead);
    expect(nodes).toEqual(expect.arrayContaining([alive, self()]));
    // Nothing more to close the second time.
    expect(await server.server.services.machines.closeDeadNodes(self(), 60)).toBe(0);
  });

  it("tells a node whose row was removed (taken for dead) so its robots reconnect, once", async () => {
    const machines = server.server.services.machines;
    expect(await machines.beatNode(self())).toBe(true);
    await db().deleteFrom("cluster_nodes").where("node_id", "=", self()).execute();
    expect(await machines.beatNode(self())).toBe(false);
    expect(await machines.beatNode(self())).toBe(true);
  });
});
