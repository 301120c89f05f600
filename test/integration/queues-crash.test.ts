import { describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { useCrashServer } from "../helpers/crash-server.js";
import { testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { testAdminPassword } from "../helpers/server.js";

describe.each(testDatabases())("kill -9 of the server during a storm of adds and starts (%s)", (database) => {
  const crash = useCrashServer(database, "queue-crash", {});

  it("loses no acknowledged add and hands no item out twice", async () => {
    let server = await crash.start();
    const host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await org.admin.api.post(`${t}/folders`, { name: "F" });
    const q = await org.admin.api.post(`${t}/folders/${folder.body.id}/queues`, { name: "Q", uniqueReference: true });
    expect(q.status, q.text).toBe(201);
    const token = org.admin.api.token as string;

    const acknowledged = new Set<string>();
    const handedOut: number[] = [];
    let running = true;
    let sent = 0;
    const call = async (method: string, url: string, body: unknown) => {
      try {
        return await new Api(server?.url ?? "", token).request(method, url, body);
      } catch {
        return null; // the server died mid-request: not acknowledged
      }
    };
    const adder = async (a: number) => {
      for (let i = 0; running; i++) {
        const reference = `a${a}-${i}`;
        sent += 1;
        const res = await call("POST", `${t}/queues/${q.body.id}/items`, { specificContent: { a, i }, reference });
        if (res?.status === 201) acknowledged.add(reference);
      }
    };
    const consumer = async () => {
      while (running) {
        const res = await call("POST", `${t}/queues/${q.body.id}/transactions`, {});
        if (res?.status === 200) handedOut.push(res.body.id);
      }
    };
    const storm = Promise.all([...[0, 1, 2, 3].map(adder), ...[0, 1, 2, 3].map(consumer)]);
    // Let the storm run until a good number of adds were acknowledged, then crash the server.
    const deadline = Date.now() + 20_000;
    while (acknowledged.size < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await server.kill9();
    running = false;
    await storm;
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(acknowledged.size - 1);

    server = await crash.start();
    const api = new Api(server.url, token);
    // Every acknowledged add is there.
    const stored = new Map<string, { id: number; status: string }>();
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        text: string;
        body: { items: { id: number; reference: string; status: string }[]; nextCursor: string | null };
      } = await api.get(`${t}/queues/${q.body.id}/items?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status, page.text).toBe(200);
      for (const item of page.body.items) stored.set(item.reference, { id: item.id, status: item.status });
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const reference of acknowledged) expect(stored.has(reference), reference).toBe(true);
    // No item was handed out twice, before the crash or after it.
    expect(new Set(handedOut).size).toBe(handedOut.length);
    for (const id of handedOut)
      expect([...stored.values()].find((s) => s.id === id)?.status, `item ${id}`).toBe("inProgress");
    const after: number[] = [];
    for (;;) {
      const res = await api.post(`${t}/queues/${q.body.id}/transactions`, {});
      if (res.status === 204) break;
      expect(res.status, res.text).toBe(200);
      after.push(res.body.id);
    }
    expect(after.filter((id) => handedOut.includes(id))).toEqual([]);
    // Every item went to exactly one consumer, or to a claim the crash cut off before its answer
    // (in progress: the abandon sweeper takes it later) — none is lost.
    const given = new Set([...handedOut, ...after]);
    for (const [reference, item] of stored)
      if (!given.has(item.id)) expect(item.status, `${reference} (item ${item.id})`).toBe("inProgress");
  }, 120_000);
});
