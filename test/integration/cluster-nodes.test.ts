import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/agent.js";
import { unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

describe.each(testDatabases())("cluster node rows and dead-node sessions (%s)", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let machineId: number;
  let tenantId: number;

  beforeAll(async () => {
    // No sweepers on this node: the test runs the dead-node sweep itself, so its counts are its own.
    // The webhook sender runs: sessions the sweeps close are told to a receiver.
    server = await startTestServer({
      database,
      env: {
        DIRIGENT_SERVICES: "mail,webhooks",
        DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
        DIRIGENT_WEBHOOK_POLL_MS: "50",
      },
    });
    org = await createOrg(await adminApi(server));
    tenantId = org.defaultTenantId;
    const res = await org.admin.api.post(`/orgs/${org.slug}/tenants/${tenantId}/machines`, {
      name: unique("m"),
      slots: 1,
    });
    expect(res.status, res.text).toBe(201);
    machineId = res.body.id;
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });
  let receiver: Receiver | null = null;

  const db = () => server.server.services.ctx.db;
  const self = () => server.server.services.robotHub.nodeId;
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

  async function openSession(nodeId: string, heartbeatMsAgo = 0): Promise<number> {
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
        last_heartbeat_at: iso(heartbeatMsAgo),
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

  it("tells robot.disconnected (webhook and alert) for sessions the dead-node and silence sweeps close", async () => {
    const r = await startReceiver("sweep-secret");
    receiver = r;
    const t = `/orgs/${org.slug}/tenants/${tenantId}`;
    const hook = await org.admin.api.post(`${t}/webhooks`, {
      url: r.url,
      events: ["robot.disconnected"],
      secret: "sweep-secret",
    });
    expect(hook.status, hook.text).toBe(201);
    const dead = unique("node-dead");
    await db()
      .insertInto("cluster_nodes")
      .values({ node_id: dead, started_at: iso(600_000), last_seen_at: iso(61_000) })
      .execute();
    const onDead = await openSession(dead);
    // Silent for 11 minutes on a live node (its robot's network is gone for good).
    const silent = await openSession(self(), 660_000);
    const machines = server.server.services.machines;
    expect(await machines.closeDeadNodes(self(), 60)).toBe(1);
    expect(await machines.sweepStaleSessions(600)).toBe(1);
    await eventually(async () => expect(r.received).toHaveLength(2));
    const robots = r.received.map((h) => {
      expect(h.body.event).toBe("robot.disconnected");
      expect(h.signatureValid).toBe(true);
      return h.body.robot as { sessionId: number; machineId: number; state: string; reason: string };
    });
    expect(robots).toEqual([
      expect.objectContaining({
        sessionId: onDead,
        machineId,
        state: "disconnected",
        reason: "The server holding the connection stopped.",
      }),
      expect.objectContaining({
        sessionId: silent,
        state: "disconnected",
        reason: "No heartbeat; the connection was lost.",
      }),
    ]);
    const alerts = await org.admin.api.get(`${t}/alerts?limit=10`);
    expect(alerts.status, alerts.text).toBe(200);
    const reasons = alerts.body.items
      .filter((a: { kind: string }) => a.kind === "robot-disconnected")
      .map((a: { details: { reason: string } }) => a.details.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(["The server holding the connection stopped.", "No heartbeat; the connection was lost."]),
    );
  });

  it("raises robot-unresponsive once for a session without a heartbeat for 120 s", async () => {
    const silent = await openSession(self(), 130_000);
    const machines = server.server.services.machines;
    expect(await machines.alertUnresponsive()).toBe(1);
    expect(await machines.alertUnresponsive()).toBe(0);
    const alerts = await org.admin.api.get(`/orgs/${org.slug}/tenants/${tenantId}/alerts?component=robots&limit=50`);
    expect(alerts.body.items.filter((a: { kind: string }) => a.kind === "robot-unresponsive")).toMatchObject([
      { severity: "error", link: `/machines/${machineId}` },
    ]);
    expect((await session(silent)).unresponsive_alerted_at).not.toBeNull();
  });

  it("tells a node whose row was removed (taken for dead) so its robots reconnect, once", async () => {
    const machines = server.server.services.machines;
    expect(await machines.beatNode(self())).toBe(true);
    await db().deleteFrom("cluster_nodes").where("node_id", "=", self()).execute();
    expect(await machines.beatNode(self())).toBe(false);
    expect(await machines.beatNode(self())).toBe(true);
  });
});
