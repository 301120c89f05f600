import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { parseCsv } from "../helpers/csv.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, TestClock, type TestServer } from "../helpers/server.js";

const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** Queues and transactions through the API (issue #8's fixed contract), on both databases. */
describe.each(testDatabases())("queues on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    return { org, api, t, folderId: folder.body.id as number };
  }

  async function newQueue(api: Api, t: string, folderId: number, body: Record<string, unknown> = {}) {
    const res = await api.post(`${t}/folders/${folderId}/queues`, { name: unique("Q"), ...body });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; key: string; name: string };
  }

  async function add(api: Api, t: string, queueId: number, body: Record<string, unknown>) {
    const res = await api.post(`${t}/queues/${queueId}/items`, body);
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number; key: string; status: string };
  }

  describe("definitions", () => {
    it("creates a queue with the contract's fields and defaults, lists it with counts, changes and deletes it", async () => {
      const { api, t, folderId } = await setup();
      const created = await api.post(`${t}/folders/${folderId}/queues`, { name: "Invoices", description: "d" });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        key: uuid,
        folderId,
        name: "Invoices",
        description: "d",
        uniqueReference: false,
        autoRetry: true,
        maxRetries: 1,
        retryAbandoned: false,
        slaMinutes: null,
        riskSlaMinutes: null,
        specificDataSchema: null,
        outputDataSchema: null,
        analyticsDataSchema: null,
        processId: null,
        createdAt: isoTime,
        updatedAt: isoTime,
      });
      const id = created.body.id;
      // Names are unique per folder, case-insensitively.
      expectProblem(await api.post(`${t}/folders/${folderId}/queues`, { name: "INVOICES" }), 409, "already-exists");
      await add(api, t, id, { specificContent: { a: 1 } });
      const list = await api.get(`${t}/folders/${folderId}/queues`);
      expect(list.status, list.text).toBe(200);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({
        id,
        counts: { new: 1, inProgress: 0, failed: 0, successful: 0, abandoned: 0, retried: 0, deleted: 0 },
        averageProcessingSeconds: null,
        slaColour: "grey",
      });
      const patched = await api.patch(`${t}/queues/${id}`, { name: "Bills", maxRetries: 3 });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toMatchObject({ name: "Bills", maxRetries: 3 });
      // The unique-reference switch is fixed after creation.
      expectProblem(await api.patch(`${t}/queues/${id}`, { uniqueReference: true }), 400, "validation-failed");
      const audit = await api.get(`/orgs/${(await api.get("/me")).body.organization.slug}/audit-logs?component=Queues`);
      expect(audit.status, audit.text).toBe(200);
      expect(audit.body.items.map((r: { action: string }) => r.action)).toEqual(["Update", "Create"]);
      expect((await api.delete(`${t}/queues/${id}`)).status).toBe(204);
      expectProblem(await api.get(`${t}/queues/${id}`), 404, "not-found");
    });

    it("refuses invalid JSON Schemas, risk SLA without SLA, and processes of other folders", async () => {
      const { api, t, folderId } = await setup();
      const bad = expectProblem(
        await api.post(`${t}/folders/${folderId}/queues`, {
          name: unique("Q"),
          specificDataSchema: { type: "nonsense" },
          riskSlaMinutes: 5,
        }),
        400,
        "validation-failed",
      );
      expect(bad.errors?.map((e) => e.path).sort()).toEqual(["riskSlaMinutes", "specificDataSchema"]);
      const p = expectProblem(
        await api.post(`${t}/folders/${folderId}/queues`, { name: unique("Q"), processId: 2_147_483_647 }),
        400,
        "validation-failed",
      );
      expect(p.errors).toEqual([{ path: "processId", message: "is not a process of this folder" }]);
    });
  });

  describe("items and transactions", () => {
    it("adds an item and hands it out once: 200 inProgress, then 204; result successful is final (409 after)", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const item = await api.post(`${t}/queues/${q.id}/items`, {
        specificContent: { invoice: "A-1", amount: 12.5 },
        reference: "A-1",
        priority: "high",
        dueDate: "2030-01-01T10:00:00+01:00",
      });
      expect(item.status, item.text).toBe(201);
      expect(item.body).toMatchObject({
        id: expect.any(Number),
        key: uuid,
        queueId: q.id,
        status: "new",
        reviewStatus: "none",
        priority: "high",
        reference: "A-1",
        specificContent: { invoice: "A-1", amount: 12.5 },
        dueDate: "2030-01-01T09:00:00.000Z",
        retryNumber: 0,
        rowVersion: 1,
      });
      const started = await api.post(`${t}/queues/${q.id}/transactions`, {});
      expect(started.status, started.text).toBe(200);
      expect(started.body).toMatchObject({ id: item.body.id, status: "inProgress", startedAt: isoTime, rowVersion: 2 });
      const none = await api.post(`${t}/queues/${q.id}/transactions`, {});
      expect(none.status).toBe(204);
      expect(none.text).toBe("");
      const progress = await api.post(`${t}/queue-items/${item.body.id}/progress`, { progress: "half\nway" });
      expect(progress.status, progress.text).toBe(200);
      expect(progress.body.progress).toBe("half\nway");
      const done = await api.post(`${t}/queue-items/${item.body.id}/result`, {
        status: "successful",
        output: { ok: true },
      });
      expect(done.status, done.text).toBe(200);
      expect(done.body).toMatchObject({ status: "successful", output: { ok: true }, endedAt: isoTime });
      expectProblem(
        await api.post(`${t}/queue-items/${item.body.id}/result`, { status: "failed" }),
        409,
        "invalid-state-transition",
      );
      expectProblem(
        await api.post(`${t}/queue-items/${item.body.id}/progress`, { progress: "x" }),
        409,
        "invalid-state-transition",
      );
      const detail = await api.get(`${t}/queue-items/${item.body.id}`);
      expect(detail.status, detail.text).toBe(200);
      expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual([
        "created",
        "started",
        "progress",
        "result",
      ]);
      expect(detail.body.history[0].actor).toEqual({ kind: "user", name: expect.stringContaining("@") });
      expect(detail.body.retryChain).toEqual([expect.objectContaining({ id: item.body.id, status: "successful" })]);
      const stats = await api.get(`${t}/queues/${q.id}`);
      expect(stats.body.counts.successful).toBe(1);
      expect(stats.body.averageProcessingSeconds).toEqual(expect.any(Number));
    });

    it("orders by priority, then due date, then age; filters by reference equals / startsWith", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const low = await add(api, t, q.id, { specificContent: { n: 1 }, priority: "low", reference: "x-1" });
      const normalLate = await add(api, t, q.id, { specificContent: { n: 2 }, dueDate: "2031-01-01" });
      const normalNoDue = await add(api, t, q.id, { specificContent: { n: 3 }, reference: "ab-2" });
      const normalEarly = await add(api, t, q.id, { specificContent: { n: 4 }, dueDate: "2030-01-01" });
      const high = await add(api, t, q.id, { specificContent: { n: 5 }, priority: "high" });
      const start = async (body: Record<string, unknown> = {}) => {
        const res = await api.post(`${t}/queues/${q.id}/transactions`, body);
        return res.status === 204 ? null : (res.body.id as number);
      };
      expect(await start({ reference: "AB", referenceFilter: "startsWith" })).toBeNull();
      expect(await start({ reference: "ab", referenceFilter: "startsWith" })).toBe(normalNoDue.id);
      expect(await start({ reference: "x-1" })).toBe(low.id);
      expect(await start()).toBe(high.id);
      expect(await start()).toBe(normalEarly.id);
      expect(await start()).toBe(normalLate.id);
      expect(await start()).toBeNull();
      // The list pages newest first by default, oldest first on request.
      const ids = [low, normalLate, normalNoDue, normalEarly, high].map((i) => i.id);
      const oldest = await api.get(`${t}/queues/${q.id}/items?sort=oldest&limit=2`);
      expect(oldest.body.items.map((i: { id: number }) => i.id)).toEqual(ids.slice(0, 2));
      const next = await api.get(`${t}/queues/${q.id}/items?sort=oldest&limit=2&cursor=${oldest.body.nextCursor}`);
      expect(next.body.items.map((i: { id: number }) => i.id)).toEqual(ids.slice(2, 4));
      const newest = await api.get(`${t}/queues/${q.id}/items?limit=5`);
      expect(newest.body.items.map((i: { id: number }) => i.id)).toEqual([...ids].reverse());
    });

    it("retries application exceptions up to maxRetries as clones with the same key; business exceptions never", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId, { maxRetries: 2, uniqueReference: true });
      const first = await add(api, t, q.id, { specificContent: { v: 1 }, reference: "R1" });
      const ids: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const started = await api.post(`${t}/queues/${q.id}/transactions`, {});
        expect(started.status, started.text).toBe(200);
        expect(started.body).toMatchObject({ key: first.key, reference: "R1", retryNumber: attempt });
        ids.push(started.body.id);
        const failed = await api.post(`${t}/queue-items/${started.body.id}/result`, {
          status: "failed",
          exceptionType: "application",
          reason: `boom ${attempt}`,
        });
        expect(failed.status, failed.text).toBe(200);
        expect(failed.body.status).toBe(attempt < 2 ? "retried" : "failed");
      }
      expect((await api.post(`${t}/queues/${q.id}/transactions`, {})).status).toBe(204);
      const last = await api.get(`${t}/queue-items/${ids[2]}`);
      expect(last.body.retryChain.map((c: { id: number; status: string }) => [c.id, c.status])).toEqual([
        [ids[0], "retried"],
        [ids[1], "retried"],
        [ids[2], "failed"],
      ]);
      expect(last.body.ancestorId).toBe(ids[1]);
      expect(last.body.exception).toEqual({ type: "application", reason: "boom 2", details: null });
      // The last failure raised an alert.
      const alerts = await api.get(`${t}/alerts`);
      expect(alerts.body.items.map((a: { kind: string }) => a.kind)).toContain("queue-item-failed");
      // A manual retry makes a new clone; the reference stays unique among active items.
      const manual = await api.post(`${t}/queue-items/${ids[2]}/retry`);
      expect(manual.status, manual.text).toBe(201);
      expect(manual.body).toMatchObject({ status: "new", key: first.key, manualRetryNumber: 1, ancestorId: ids[2] });
      expectProblem(
        await api.post(`${t}/queues/${q.id}/items`, { specificContent: {}, reference: "R1" }),
        409,
        "duplicate-reference",
      );
      expect((await api.get(`${t}/queue-items/${ids[2]}`)).body.reviewStatus).toBe("retried");

      const business = await add(api, t, q.id, { specificContent: {}, reference: "B" });
      await api.post(`${t}/queues/${q.id}/transactions`, { reference: "B" });
      const res = await api.post(`${t}/queue-items/${business.id}/result`, {
        status: "failed",
        exceptionType: "business",
        reason: "no",
      });
      expect(res.body.status).toBe("failed");
      const review = await api.post(`${t}/queue-items/${business.id}/review`, { reviewStatus: "verified" });
      expect(review.status, review.text).toBe(200);
      expect(review.body.reviewStatus).toBe("verified");
    });

    it("deletes new items only, and validates specific content against the queue's schema naming the path", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId, {
        specificDataSchema: {
          type: "object",
          required: ["invoice"],
          properties: { invoice: { type: "string" }, lines: { type: "array", items: { type: "integer" } } },
        },
        outputDataSchema: { type: "object", required: ["total"] },
      });
      const bad = expectProblem(
        await api.post(`${t}/queues/${q.id}/items`, { specificContent: { lines: [1, "two"] } }),
        400,
        "validation-failed",
      );
      expect(bad.errors).toEqual(
        expect.arrayContaining([
          { path: "specificContent.invoice", message: "is required" },
          { path: "specificContent.lines.1", message: "must be integer" },
        ]),
      );
      const item = await add(api, t, q.id, { specificContent: { invoice: "x" } });
      const deleted = await api.delete(`${t}/queue-items/${item.id}`);
      expect(deleted.status, deleted.text).toBe(200);
      expect(deleted.body.status).toBe("deleted");
      expectProblem(await api.delete(`${t}/queue-items/${item.id}`), 409, "invalid-state-transition");
      // Output against the output schema: a violation fails the item with a business exception.
      const other = await add(api, t, q.id, { specificContent: { invoice: "y" } });
      await api.post(`${t}/queues/${q.id}/transactions`, {});
      const result = await api.post(`${t}/queue-items/${other.id}/result`, { status: "successful", output: { x: 1 } });
      expect(result.body).toMatchObject({ status: "failed", exception: { type: "business" } });
    });
  });

  describe("bulk and CSV", () => {
    it("applies the three commit types", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId, { uniqueReference: true });
      const items = [
        { specificContent: { n: 0 }, reference: "a" },
        { specificContent: { n: 1 }, reference: "a" },
        { specificContent: { n: 2 }, reference: "b" },
      ];
      const all = await api.post(`${t}/queues/${q.id}/items/bulk`, { commitType: "allOrNothing", items });
      expect(all.status, all.text).toBe(200);
      expect(all.body).toEqual({
        added: 0,
        failedItems: [{ ordinal: 1, type: "duplicate-reference", detail: expect.any(String) }],
      });
      const stop = await api.post(`${t}/queues/${q.id}/items/bulk`, { commitType: "stopOnFirstFailure", items });
      expect(stop.body.added).toBe(1);
      const rest = await api.post(`${t}/queues/${q.id}/items/bulk`, {
        commitType: "processAllIndependently",
        items: [...items, { specificContent: { n: 3 }, reference: "c" }],
      });
      expect(rest.body.added).toBe(2);
      expect(rest.body.failedItems.map((f: { ordinal: number }) => f.ordinal)).toEqual([0, 1]);
      expect((await api.get(`${t}/queues/${q.id}`)).body.counts.new).toBe(3);
    });

    it("adds 15,000 items in one call and refuses 15,001", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const items = Array.from({ length: 15_000 }, (_, i) => ({ specificContent: { i }, reference: `r${i}` }));
      const res = await api.post(`${t}/queues/${q.id}/items/bulk`, { commitType: "allOrNothing", items });
      expect(res.status, res.text.slice(0, 500)).toBe(200);
      expect(res.body).toEqual({ added: 15_000, failedItems: [] });
      const tooMany = await api.post(`${t}/queues/${q.id}/items/bulk`, {
        commitType: "allOrNothing",
        items: [...items, { specificContent: {} }],
      });
      expectProblem(tooMany, 400, "validation-failed");
      expect((await api.get(`${t}/queues/${q.id}`)).body.counts.new).toBe(15_000);
    }, 120_000);

    it("uploads CSV with per-row errors and exports the items as formula-safe CSV", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const csv = [
        "Reference,Priority,DueDate,Customer,Amount",
        "r1,High,2030-01-01,ACME,=1+1",
        "r2,Urgent,,Beta,2",
        'r3,,2030-02-30,"Gamma, Inc",3',
        "r4,low,,Delta,4",
      ].join("\r\n");
      const form = new FormData();
      form.append("file", new Blob([csv], { type: "text/csv" }), "items.csv");
      const res = await fetch(`${server.url}/api/v1${t}/queues/${q.id}/items/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${api.token}` },
        body: form,
      });
      const body = (await res.json()) as { added: number; failedItems: { row: number; detail: string }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.added).toBe(2);
      expect(body.failedItems.map((f: { row: number; detail: string }) => [f.row, f.detail])).toEqual([
        [3, expect.stringContaining("Priority")],
        [4, expect.stringContaining("DueDate")],
      ]);
      const list = await api.get(`${t}/queues/${q.id}/items`);
      expect(list.body.items.map((i: { reference: string }) => i.reference)).toEqual(["r4", "r1"]);
      expect(list.body.items[1]).toMatchObject({
        priority: "high",
        dueDate: "2030-01-01T00:00:00.000Z",
        specificContent: { Customer: "ACME", Amount: "=1+1" },
      });
      const exported = await api.get(`${t}/queues/${q.id}/items.csv`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get("content-type")).toContain("text/csv");
      const rows = parseCsv(exported.text);
      expect(rows[0]?.slice(0, 3)).toEqual(["Id", "Key", "Status"]);
      expect(rows).toHaveLength(3);
      // A cell that starts with = is neutralised; JSON starting with { is left alone.
      expect(rows[2]?.[6]).toBe('{"Customer":"ACME","Amount":"=1+1"}');
      expectProblem(await api.post(`${t}/queues/${q.id}/items/upload`, {}), 415, "unsupported-media-type");
    });
  });

  describe("bad input", () => {
    it("answers 400 problems naming the field for NUL, 2^31, huge strings, bad dates and bad enums, and changes nothing", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const cases: [string, string, unknown, string][] = [
        ["POST", `${t}/folders/${folderId}/queues`, { name: "a\u0000b" }, "name"],
        ["POST", `${t}/folders/${folderId}/queues`, { name: "x".repeat(51) }, "name"],
        ["POST", `${t}/folders/${folderId}/queues`, { name: "ok", maxRetries: 51 }, "maxRetries"],
        ["POST", `${t}/folders/${folderId}/queues`, { name: "ok", processId: 2_147_483_648 }, "processId"],
        ["POST", `${t}/folders/2147483648/queues`, { name: "ok" }, "folder"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, reference: "a\u0000" }, "reference"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, reference: "r".repeat(129) }, "reference"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, dueDate: "2026-02-30" }, "dueDate"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, deferDate: "tomorrow" }, "deferDate"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, priority: "urgent" }, "priority"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: [1] }, "specificContent"],
        ["POST", `${t}/queues/${q.id}/items`, { specificContent: {}, extra: 1 }, ""],
        ["POST", `${t}/queues/${q.id}/transactions`, { reference: "a\u0000" }, "reference"],
        ["GET", `${t}/queues/2147483648`, undefined, "id"],
        ["GET", `${t}/queues/${q.id}/items?cursor=99999999999`, undefined, "cursor"],
        ["GET", `${t}/queues/${q.id}/items?reference=%00`, undefined, "reference"],
        ["GET", `${t}/queues/${q.id}/items?from=2026-13-01`, undefined, "from"],
        ["POST", `${t}/queue-items/2147483648/progress`, { progress: "x" }, "id"],
        ["POST", `${t}/queue-items/1/progress`, { progress: "a\u0000" }, "progress"],
        ["POST", `${t}/queue-items/1/result`, { status: "failed", reason: "\u0000" }, "reason"],
        ["POST", `${t}/queue-items/1/result`, { status: "done" }, "status"],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await api.request(method, path, body);
        const problem = expectProblem(res, 400, "validation-failed");
        if (field) expect(JSON.stringify(problem.errors), `${method} ${path}`).toContain(field);
      }
      // Specific content over 1 MiB: a 400 naming it (the body itself fits the route's limit).
      const big = await api.post(`${t}/queues/${q.id}/items`, { specificContent: { s: "x".repeat(1024 * 1024) } });
      expect(expectProblem(big, 400, "validation-failed").errors?.[0]?.path).toBe("specificContent");
      const huge = await api.post(`${t}/queues/${q.id}/items`, { specificContent: { s: "x".repeat(3 * 1024 * 1024) } });
      expect(huge.status).toBe(413);
      expect((await api.get(`${t}/queues/${q.id}`)).body.counts.new).toBe(0);
    });
  });

  describe("isolation and permissions", () => {
    it("hides queues and items of another organization and of invisible folders (404)", async () => {
      const a = await setup();
      const b = await setup();
      const q = await newQueue(a.api, a.t, a.folderId);
      const item = await add(a.api, a.t, q.id, { specificContent: {} });
      // Org B addressing org A's ids inside its own tenant.
      expectProblem(await b.api.get(`${b.t}/queues/${q.id}`), 404, "not-found");
      expectProblem(await b.api.get(`${b.t}/queue-items/${item.id}`), 404, "not-found");
      expectProblem(await b.api.post(`${b.t}/queues/${q.id}/transactions`, {}), 404, "not-found");
      expectProblem(
        await b.api.post(`${b.t}/queue-items/${item.id}/result`, { status: "successful" }),
        404,
        "not-found",
      );
      // Org B addressing org A's tenant.
      expectProblem(await b.api.get(`${a.t}/queues/${q.id}`), 404, "not-found");
      // A user of org A without roles sees nothing.
      const nobody = await createUser(a.api, a.org.slug);
      expectProblem(await nobody.api.get(`${a.t}/queues/${q.id}`), 404, "not-found");
      expectProblem(await nobody.api.post(`${a.t}/queues/${q.id}/items`, { specificContent: {} }), 404, "not-found");
    });

    it("lets an Automation User add and consume but not define queues; a Viewer only reads", async () => {
      const { org, api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const roles = (await api.get(`${t}/roles`)).body.items as { id: number; name: string }[];
      const roleId = (name: string) => roles.find((r) => r.name === name)?.id;
      const user = await createUser(api, org.slug);
      const viewer = await createUser(api, org.slug);
      expect(
        (await api.put(`${t}/folders/${folderId}/assignments/${user.id}`, { roleIds: [roleId("Automation User")] }))
          .status,
      ).toBe(204);
      expect(
        (await api.put(`${t}/folders/${folderId}/assignments/${viewer.id}`, { roleIds: [roleId("Viewer")] })).status,
      ).toBe(204);
      const added = await user.api.post(`${t}/queues/${q.id}/items`, { specificContent: {} });
      expect(added.status, added.text).toBe(201);
      expect((await user.api.post(`${t}/queues/${q.id}/transactions`, {})).status).toBe(200);
      expectProblem(await user.api.delete(`${t}/queues/${q.id}`), 403, "forbidden");
      expect((await viewer.api.get(`${t}/queues/${q.id}/items`)).status).toBe(200);
      expectProblem(await viewer.api.post(`${t}/queues/${q.id}/items`, { specificContent: {} }), 403, "forbidden");
      expectProblem(await viewer.api.post(`${t}/queues/${q.id}/transactions`, {}), 403, "forbidden");
    });
  });

  describe("concurrency and sweeping", () => {
    it("hands 50 items to 50 parallel transaction calls, each item once", async () => {
      const { api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const items = Array.from({ length: 50 }, (_, i) => ({ specificContent: { i } }));
      expect((await api.post(`${t}/queues/${q.id}/items/bulk`, { commitType: "allOrNothing", items })).body.added).toBe(
        50,
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, () => api.post(`${t}/queues/${q.id}/transactions`, {})),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(50);
      expect((await api.post(`${t}/queues/${q.id}/transactions`, {})).status).toBe(204);
    });
  });

  /** A server whose clock the tests move forward (tokens age with it: sign in again after). */
  describe("with a controllable clock", () => {
    let clocked: TestServer;
    const clock = new TestClock();
    let setup: () => Promise<{ org: TestOrg; api: Api; t: string; folderId: number }>;

    beforeAll(async () => {
      clocked = await startTestServer({ database, clock });
      setup = async () => {
        const org = await createOrg(await adminApi(clocked));
        const api = org.admin.api;
        const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
        const folder = await api.post(`${t}/folders`, { name: unique("F") });
        return { org, api, t, folderId: folder.body.id as number };
      };
    });
    afterAll(async () => {
      await clocked?.stop();
    });
    const signIn = (org: TestOrg) =>
      new Api(clocked.url).as({ organization: org.slug, email: org.admin.email, password: org.admin.password });

    it("keeps an item with a future defer date from consumers until that time (controllable clock)", async () => {
      const { org, api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId);
      const later = new Date(clock.now().getTime() + 3_600_000).toISOString();
      const item = await add(api, t, q.id, { specificContent: {}, deferDate: later });
      expect((await api.post(`${t}/queues/${q.id}/transactions`, {})).status).toBe(204);
      clock.advance(3_600_001);
      const res = await (await signIn(org)).post(`${t}/queues/${q.id}/transactions`, {});
      expect(res.status, res.text).toBe(200);
      expect(res.body.id).toBe(item.id);
    });

    it("colours the SLA and raises SLA-at-risk and SLA-missed alerts once per level", async () => {
      const { org, api, t, folderId } = await setup();
      const q = await newQueue(api, t, folderId, { slaMinutes: 60, riskSlaMinutes: 30 });
      const item = await add(api, t, q.id, { specificContent: {} });
      expect(item).toMatchObject({ dueDate: isoTime, riskSlaDate: isoTime });
      const sweeper = clocked.server.services.queueSweeper;
      expect(await sweeper.slaAlerts()).toBe(0);
      clock.advance(31 * 60_000);
      expect(await sweeper.slaAlerts()).toBe(1);
      expect(await sweeper.slaAlerts()).toBe(0);
      let fresh = await signIn(org);
      expect((await fresh.get(`${t}/queues/${q.id}`)).body.slaColour).toBe("orange");
      clock.advance(30 * 60_000);
      expect(await sweeper.slaAlerts()).toBe(1);
      fresh = await signIn(org);
      expect((await fresh.get(`${t}/queues/${q.id}`)).body.slaColour).toBe("red");
      const kinds = (await fresh.get(`${t}/alerts`)).body.items.map((a: { kind: string }) => a.kind);
      expect(kinds).toEqual(["queue-sla-breached", "queue-sla-at-risk"]);
    });

    it("abandons items in progress past the tenant's abandon period and retries them when the queue says so", async () => {
      const { api, t, folderId, org } = await setup();
      const keep = await newQueue(api, t, folderId);
      const retry = await newQueue(api, t, folderId, { retryAbandoned: true });
      const a = await add(api, t, keep.id, { specificContent: {} });
      const b = await add(api, t, retry.id, { specificContent: {} });
      await api.post(`${t}/queues/${keep.id}/transactions`, {});
      await api.post(`${t}/queues/${retry.id}/transactions`, {});
      expect((await api.put(`${t}/queue-settings`, { abandonAfterHours: 2 })).body).toEqual({ abandonAfterHours: 2 });
      await clocked.server.services.queueSweeper.abandon();
      expect((await api.get(`${t}/queue-items/${a.id}`)).body.status).toBe("inProgress");
      clock.advance(2 * 3_600_000 + 1000);
      await clocked.server.services.queueSweeper.abandon();
      // Tokens age with the clock: sign in again.
      const fresh = await signIn(org);
      const abandoned = await fresh.get(`${t}/queue-items/${a.id}`);
      expect(abandoned.body).toMatchObject({ status: "abandoned" });
      expect(abandoned.body.history.at(-1)).toMatchObject({
        action: "abandoned",
        actor: { kind: "system", name: "system" },
      });
      const retried = await fresh.get(`${t}/queue-items/${b.id}`);
      expect(retried.body.status).toBe("retried");
      expect(retried.body.retryChain).toHaveLength(2);
      const alerts = await fresh.get(`${t}/alerts`);
      expect(alerts.body.items.filter((x: { kind: string }) => x.kind === "queue-items-abandoned")).toHaveLength(2);
    });
  });
});
