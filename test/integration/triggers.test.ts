import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const tenantPath = (org: TestOrg) => `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
const countSchema = {
  type: "object",
  properties: { n: { type: "integer", minimum: 0 } },
  additionalProperties: false,
};

/** A fresh org with a folder and a process `Count` (schema {n: integer}) — what triggers need. */
async function setup(host: Api) {
  const org = await createOrg(host);
  const api = org.admin.api;
  const t = tenantPath(org);
  const folder = await api.post(`${t}/folders`, { name: unique("F") });
  expect(folder.status, folder.text).toBe(201);
  const content = await tgz(
    packageFiles(
      manifest({
        name: "counter",
        version: "1.0.0",
        entryPoints: [{ name: "count", command: ["node", "main.js"], inputSchema: countSchema }],
      }),
    ),
  );
  expect((await uploadPackage(api, t, content)).status).toBe(201);
  const process = await api.post(`${t}/folders/${folder.body.id}/processes`, {
    name: "Count",
    packageName: "counter",
    inputArguments: { n: 1 },
    priority: 40,
  });
  expect(process.status, process.text).toBe(201);
  return { org, api, t, folderId: folder.body.id as number, processId: process.body.id as number };
}

/**
 * Triggers through the API; firing is driven with a controllable clock (the scheduler loop is
 * off in this server: DIRIGENT_SERVICES leaves it out), so no test waits for a fire time.
 */
describe.each(testDatabases())("time triggers on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_SERVICES: "mail" } });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const fire = (iso: string) => server.server.services.triggerFiring.fireDue(new Date(iso));
  /** Moves a trigger's planned fire time (as if it had been planned long ago). */
  const plan = async (id: number, iso: string) => {
    await server.server.storage.db.updateTable("triggers").set({ next_fire_at: iso }).where("id", "=", id).execute();
  };
  const history = async (api: Api, t: string, id: number) => {
    const res = await api.get(`${t}/triggers/${id}/history`);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { fireTime: string; outcome: string; reason: string | null; jobIds: number[] }[])
      .slice()
      .reverse();
  };

  it("creates a time trigger with the contract's fields, lists, reads, changes and deletes it, audited", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Weekdays",
      processId,
      cron: "0 0 9 ? * MON-FRI",
      timeZone: "Europe/Berlin",
      inputArguments: { n: 5 },
      stopAfterSeconds: 3600,
      killAfterSeconds: 600,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(Number),
      key: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: "time",
      folderId,
      name: "Weekdays",
      processId,
      cron: "0 0 9 ? * MON-FRI",
      timeZone: "Europe/Berlin",
      inputArguments: { n: 5 },
      priority: null,
      jobCount: 1,
      enabled: true,
      summary: "Every Monday–Friday at 09:00",
      nextFireTime: expect.stringMatching(/T0[78]:00:00\.000Z$/),
    });
    const id = created.body.id as number;
    expect((await api.get(`${t}/folders/${folderId}/triggers`)).body.items.map((x: { id: number }) => x.id)).toEqual([
      id,
    ]);
    const next = await api.get(`${t}/triggers/${id}/next?count=3`);
    expect(next.body.times).toHaveLength(3);
    expect(next.body.times[0]).toBe(created.body.nextFireTime);

    const patched = await api.patch(`${t}/triggers/${id}`, { cron: "30 8 * * *", timeZone: "America/New_York" });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ summary: "Every day at 08:30", timeZone: "America/New_York" });
    expect(patched.body.nextFireTime).toMatch(/T1[23]:30:00\.000Z$/);

    const disabled = await api.post(`${t}/triggers/${id}/disable`);
    expect(disabled.body).toMatchObject({ enabled: false, nextFireTime: null });
    expect((await api.get(`${t}/triggers/${id}/next`)).body.times).toEqual([]);
    const enabled = await api.post(`${t}/triggers/${id}/enable`);
    expect(enabled.body.enabled).toBe(true);
    expect(enabled.body.nextFireTime).not.toBeNull();

    // Names are unique per folder regardless of case.
    const twin = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "weekdays",
      processId,
      cron: "* * * * *",
    });
    expectProblem(twin, 409, "already-exists");

    expect((await api.delete(`${t}/triggers/${id}`)).status).toBe(204);
    expect((await api.get(`${t}/triggers/${id}`)).status).toBe(404);
    const audit = await api.get(`/orgs/${(await api.get("/me")).body.organization.slug}/audit-logs?component=Triggers`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items.map((a: { action: string }) => a.action).sort()).toEqual(
      ["Create", "Update", "Update", "Update", "Delete"].sort(),
    );
  });

  it("uses the tenant's time zone by default and lets tenant administrators change it", async () => {
    const { org, api, t, folderId, processId } = await setup(host);
    expect((await api.get(`${t}/settings`)).body).toEqual({
      timeZone: "UTC",
      triggerCatchUpSeconds: 300,
      triggerDisableFailedCount: 10,
      triggerDisableFailingDays: 1,
      logRetentionDays: 30,
      queueAbandonHours: 24,
    });
    // The abandon period of queue items is one of the tenant's settings too (the same as T/queue-settings).
    const abandon = await api.put(`${t}/settings`, { queueAbandonHours: 48 });
    expect(abandon.status, abandon.text).toBe(200);
    expect(abandon.body.queueAbandonHours).toBe(48);
    expect((await api.get(`${t}/queue-settings`)).body).toEqual({ abandonAfterHours: 48 });
    for (const bad of [0, 8761, 2_147_483_648, 1.5, "24"]) {
      const res = await api.put(`${t}/settings`, { queueAbandonHours: bad });
      expect(expectProblem(res, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["queueAbandonHours"]);
    }
    expect((await api.get(`${t}/settings`)).body.queueAbandonHours).toBe(48);
    const put = await api.put(`${t}/settings`, { timeZone: "Asia/Tokyo" });
    expect(put.status, put.text).toBe(200);
    expect(put.body.timeZone).toBe("Asia/Tokyo");
    expectProblem(await api.put(`${t}/settings`, { timeZone: "Nowhere/City" }), 400, "validation-failed");
    const user = await createUser(api, org.slug);
    expectProblem(await user.api.put(`${t}/settings`, { timeZone: "UTC" }), 403, "forbidden");
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Tokyo",
      processId,
      cron: "0 0 9 * * ?",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.timeZone).toBe("Asia/Tokyo");
    expect(created.body.nextFireTime).toMatch(/T00:00:00\.000Z$/);
  });

  it("previews a schedule: summary and the next 5 times in the zone, and 400 naming the field when invalid", async () => {
    const { api, t } = await setup(host);
    const ok = await api.post(`${t}/triggers/preview`, { cron: "0 30 2 * * ?", timeZone: "Europe/Berlin" });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.summary).toBe("Every day at 02:30");
    expect(ok.body.times).toHaveLength(5);
    const bad = [
      [{ cron: "0 0 12 1 * MON" }, "cron"],
      [{ cron: "61 * * * *" }, "cron"],
      [{ cron: "0 0 0 30 2 ?" }, "cron"],
      [{ cron: "* * * * *", timeZone: "Mars/Base" }, "timeZone"],
      [{ cron: "* * * * *", calendarId: 2_147_483_647 }, "calendarId"],
      [{ cron: "* * * * *", calendarId: 2_147_483_648 }, "calendarId"],
      [{ cron: "* * * * *\u0000" }, "cron"],
    ] as const;
    for (const [body, field] of bad) {
      const res = await api.post(`${t}/triggers/preview`, body);
      const problem = expectProblem(res, 400, "validation-failed");
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(field);
    }
  });

  it("refuses bad input with a 400 naming the field and creates nothing", async () => {
    const { org, api, t, folderId, processId } = await setup(host);
    const other = await api.post(`${t}/folders`, { name: unique("Other") });
    const base = { type: "time", name: "T", processId, cron: "0 * * * *" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, cron: "every day" }, "cron"],
      [{ ...base, timeZone: "Europe/Nowhere" }, "timeZone"],
      [{ ...base, cron: "0 0 0 30 2 ?" }, "cron"],
      [{ ...base, inputArguments: { n: "five" } }, "inputArguments.n"],
      [{ ...base, inputArguments: { extra: 1 } }, "inputArguments.extra"],
      [{ ...base, processId: 2_147_483_648 }, "processId"],
      [{ ...base, processId: 2_147_483_647 }, "processId"],
      [{ ...base, machineId: 2_147_483_647 }, "machineId"],
      [{ ...base, calendarId: 999_999 }, "calendarId"],
      [{ ...base, name: "bad\u0000name" }, "name"],
      [{ ...base, stopAfterSeconds: 30 }, "stopAfterSeconds"],
      [{ ...base, killAfterSeconds: 950_341 }, "killAfterSeconds"],
      [{ ...base, endDate: "2001-01-01T00:00:00Z" }, "endDate"],
      [{ ...base, endDate: "tomorrow" }, "endDate"],
      [{ ...base, type: "webhook" }, "type"],
      [{ ...base, unknown: 1 }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(`${t}/folders/${folderId}/triggers`, body);
      expect(res.status, `${JSON.stringify(body)} ${res.text}`).toBe(400);
      const problem = expectProblem(res, 400, "validation-failed");
      if (field)
        expect(
          problem.errors?.map((e) => e.path),
          JSON.stringify(body),
        ).toContain(field);
    }
    // A process of another folder is not this folder's.
    const foreign = await api.post(`${t}/folders/${other.body.id}/triggers`, base);
    expect(expectProblem(foreign, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["processId"]);
    expect((await api.get(`${t}/folders/${folderId}/triggers`)).body.items).toEqual([]);
    // Ids beyond PostgreSQL's integer in paths are 400, not 500.
    expectProblem(await api.get(`${t}/triggers/2147483648`), 400, "validation-failed");
    expectProblem(await api.get(`${t}/folders/99999999999/triggers`), 400, "validation-failed");
    expect((await api.get(`${t}/triggers/2147483647`)).status).toBe(404);
    // Another tenant's trigger is 404.
    const created = await api.post(`${t}/folders/${folderId}/triggers`, base);
    expect(created.status, created.text).toBe(201);
    const stranger = await createOrg(host);
    const theirs = `${tenantPath(stranger)}/triggers/${created.body.id}`;
    expect((await stranger.admin.api.get(theirs)).status).toBe(404);
    expect((await stranger.admin.api.delete(theirs)).status).toBe(404);
    // A user without triggers permissions does not see it.
    const user = await createUser(api, org.slug);
    expect((await user.api.get(`${t}/triggers/${created.body.id}`)).status).toBe(404);
  });

  it("fires once per fire time, with source trigger and the trigger's limits; a second round finds nothing", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Nightly",
      processId,
      cron: "0 0 2 * * ?",
      timeZone: "UTC",
      jobCount: 2,
      priority: 70,
      stopAfterSeconds: 7200,
      killAfterSeconds: 10800,
    });
    const id = created.body.id as number;
    await plan(id, "2030-01-10T02:00:00.000Z");
    // Several rounds at once (on PostgreSQL, on several pooled connections): one firing.
    await Promise.all([1, 2, 3, 4].map(() => fire("2030-01-10T02:00:00.300Z")));
    const jobs = await api.get(`${t}/triggers/${id}/jobs`);
    expect(jobs.body.items).toHaveLength(2);
    for (const job of jobs.body.items) {
      expect(job).toMatchObject({
        source: "trigger",
        triggerId: id,
        state: "pending",
        priority: 70,
        inputArguments: { n: 1 },
        stopAfterSeconds: 7200,
        // Stop and kill delays add up: stop after 2 h, kill 3 h later = 5 h.
        killAfterSeconds: 18000,
      });
    }
    const h = await history(api, t, id);
    expect(h).toEqual([
      expect.objectContaining({ fireTime: "2030-01-10T02:00:00.000Z", outcome: "fired", reason: null }),
    ]);
    expect(h[0]?.jobIds.sort()).toEqual(jobs.body.items.map((j: { id: number }) => j.id).sort());
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).not.toBe("2030-01-10T02:00:00.000Z");
    expect(await fire("2030-01-10T02:00:00.900Z")).toBe(0);

    // The next fire time while a job of the trigger is still pending: the original's misfire rule.
    await plan(id, "2030-01-11T02:00:00.000Z");
    await fire("2030-01-11T02:00:00.100Z");
    expect((await history(api, t, id)).at(-1)).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/still pending/),
    });
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(2);

    // Run now starts jobs outside the schedule.
    for (const job of jobs.body.items) await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
    const now = await api.post(`${t}/triggers/${id}/run-now`);
    expect(now.status, now.text).toBe(201);
    expect(now.body.items).toHaveLength(2);
  });

  it("skips a calendar's excluded days and maintenance, records why, and counts the skip in the window", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const calendar = await api.post(`${t}/calendars`, {
      name: "Holidays",
      timeZone: "Europe/Berlin",
      excludedDates: ["2030-12-25", "2030-12-24"],
    });
    expect(calendar.status, calendar.text).toBe(201);
    expect(calendar.body.excludedDates).toEqual(["2030-12-24", "2030-12-25"]);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Office",
      processId,
      cron: "0 0 9 ? * MON-FRI",
      timeZone: "Europe/Berlin",
      calendarId: calendar.body.id,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    await plan(id, "2030-12-24T08:00:00.000Z");
    await fire("2030-12-24T08:00:00.100Z");
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).toBe("2030-12-26T08:00:00.000Z");
    await fire("2030-12-25T08:00:00.100Z");
    await fire("2030-12-26T08:00:00.100Z");
    expect((await history(api, t, id)).map((h) => [h.fireTime, h.outcome, h.reason])).toEqual([
      ["2030-12-24T08:00:00.000Z", "skipped", 'The calendar "Holidays" excludes 2030-12-24.'],
      ["2030-12-25T08:00:00.000Z", "skipped", 'The calendar "Holidays" excludes 2030-12-25.'],
      ["2030-12-26T08:00:00.000Z", "fired", null],
    ]);
    // A calendar in use cannot be deleted.
    expectProblem(await api.delete(`${t}/calendars/${calendar.body.id}`), 409, "calendar-in-use");
    expectProblem(
      await api.post(`${t}/calendars`, { name: "Bad", timeZone: "UTC", excludedDates: ["2030-02-30"] }),
      400,
      "validation-failed",
    );

    // Maintenance of the tenant: the fire time is skipped, not queued, and counted.
    const tenantId = Number(t.split("/").at(-1));
    for (const job of (await api.get(`${t}/triggers/${id}/jobs`)).body.items)
      await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
    expect((await host.post("/host/maintenance/start", { phase: "draining", tenantId })).status).toBe(200);
    try {
      await plan(id, "2030-12-27T08:00:00.000Z");
      await fire("2030-12-27T08:00:00.100Z");
      const state = await host.get("/host/maintenance");
      expect(JSON.stringify(state.body)).toContain('"triggersSkipped":1');
    } finally {
      await host.post("/host/maintenance/end", { tenantId });
    }
    expect((await history(api, t, id)).at(-1)).toMatchObject({ outcome: "skipped", reason: "Maintenance (draining)." });
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(1);
  });

  it("runs a trigger with a calendar in the calendar's time zone and refuses any other zone", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const berlin = await api.post(`${t}/calendars`, {
      name: unique("Berlin"),
      timeZone: "Europe/Berlin",
      excludedDates: [],
    });
    const ny = await api.post(`${t}/calendars`, {
      name: unique("NY"),
      timeZone: "America/New_York",
      excludedDates: [],
    });
    const base = { type: "time", processId, cron: "0 0 9 ? * MON-FRI" };
    // No zone given: the calendar's, not the tenant's (UTC).
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      ...base,
      name: "Office",
      calendarId: berlin.body.id,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.timeZone).toBe("Europe/Berlin");
    const id = created.body.id as number;
    // Another zone with that calendar: 400 naming timeZone, nothing created.
    const refused = await api.post(`${t}/folders/${folderId}/triggers`, {
      ...base,
      name: "Other",
      calendarId: berlin.body.id,
      timeZone: "UTC",
    });
    expectProblem(refused, 400, "validation-failed");
    expect(refused.body.errors).toEqual([{ path: "timeZone", message: expect.stringContaining("Europe/Berlin") }]);
    expect((await api.get(`${t}/folders/${folderId}/triggers`)).body.items).toHaveLength(1);
    const preview = await api.post(`${t}/triggers/preview`, {
      cron: "0 0 9 * * ?",
      calendarId: berlin.body.id,
      timeZone: "Asia/Tokyo",
    });
    expectProblem(preview, 400, "validation-failed");
    expect(preview.body.errors[0].path).toBe("timeZone");
    expect(
      (await api.post(`${t}/triggers/preview`, { cron: "0 0 9 * * ?", calendarId: berlin.body.id })).body.timeZone,
    ).toBe("Europe/Berlin");
    // PATCH: a zone of its own is refused; switching to another calendar brings that calendar's zone along.
    expect((await api.patch(`${t}/triggers/${id}`, { timeZone: "UTC" })).body.errors[0].path).toBe("timeZone");
    const moved = await api.patch(`${t}/triggers/${id}`, { calendarId: ny.body.id });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.timeZone).toBe("America/New_York");
    // Without a calendar the zone is free again.
    const free = await api.patch(`${t}/triggers/${id}`, { calendarId: null, timeZone: "Asia/Tokyo" });
    expect(free.status, free.text).toBe(200);
    expect(free.body.timeZone).toBe("Asia/Tokyo");
    // A calendar's zone cannot change while a trigger uses it (that would move the trigger's fire times).
    expect(
      (await api.patch(`${t}/triggers/${id}`, { calendarId: berlin.body.id, timeZone: "Europe/Berlin" })).status,
    ).toBe(200);
    const rezoned = await api.patch(`${t}/calendars/${berlin.body.id}`, { timeZone: "UTC" });
    expectProblem(rezoned, 409, "calendar-in-use");
    expect((await api.get(`${t}/calendars/${berlin.body.id}`)).body.timeZone).toBe("Europe/Berlin");
    expect((await api.patch(`${t}/calendars/${ny.body.id}`, { timeZone: "UTC" })).status).toBe(200);
  });

  it("after downtime fires the latest missed time once within the grace, records the others, and skips when too late", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Hourly",
      processId,
      cron: "0 0 * * * ?",
      timeZone: "UTC",
    });
    const id = created.body.id as number;
    // Down from before 10:00 until 13:02: 10:00, 11:00 and 12:00 missed, 13:00 is 2 min late.
    await plan(id, "2030-03-01T10:00:00.000Z");
    await fire("2030-03-01T13:02:00.000Z");
    expect((await history(api, t, id)).map((h) => [h.fireTime, h.outcome])).toEqual([
      ["2030-03-01T10:00:00.000Z", "skipped"],
      ["2030-03-01T13:00:00.000Z", "fired"],
    ]);
    expect((await history(api, t, id))[0]?.reason).toBe(
      "Missed 3 fire time(s) while no node was running, the last at 2030-03-01T12:00:00.000Z.",
    );
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).toBe("2030-03-01T14:00:00.000Z");
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(1);

    // Back 20 minutes after a fire time: beyond the 5-minute grace, nothing starts.
    await plan(id, "2030-03-02T10:00:00.000Z");
    await fire("2030-03-02T10:20:00.000Z");
    expect((await history(api, t, id)).at(-1)).toMatchObject({
      fireTime: "2030-03-02T10:00:00.000Z",
      outcome: "skipped",
      reason: expect.stringMatching(/more than the tenant's catch-up grace of 300 s/),
    });
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(1);
  });

  it("follows DST in the trigger's zone: Berlin's 02:30 fires at 03:00 on the spring-forward day, once on fall-back", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Night",
      processId,
      cron: "0 30 2 * * ?",
      timeZone: "Europe/Berlin",
    });
    const id = created.body.id as number;
    const stopAll = async () => {
      for (const job of (await api.get(`${t}/triggers/${id}/jobs`)).body.items)
        await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
    };
    await plan(id, "2030-03-30T01:30:00.000Z"); // Saturday 02:30 CET
    await fire("2030-03-30T01:30:00.100Z");
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).toBe("2030-03-31T01:00:00.000Z"); // 03:00 CEST
    await stopAll();
    await fire("2030-03-31T01:00:00.100Z");
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).toBe("2030-04-01T00:30:00.000Z");
    await plan(id, "2030-10-27T00:30:00.000Z"); // the first 02:30 (CEST) of the fall-back day
    await stopAll();
    await fire("2030-10-27T00:30:00.100Z");
    expect((await api.get(`${t}/triggers/${id}`)).body.nextFireTime).toBe("2030-10-28T01:30:00.000Z");
    expect((await history(api, t, id)).map((h) => [h.fireTime, h.outcome])).toEqual([
      ["2030-03-30T01:30:00.000Z", "fired"],
      ["2030-03-31T01:00:00.000Z", "fired"],
      ["2030-10-27T00:30:00.000Z", "fired"],
    ]);
  });

  it("disables itself after the tenant's number of consecutive faulted jobs, with the reason and an alert", async () => {
    const { api, t, folderId, processId } = await setup(host);
    expect((await api.put(`${t}/settings`, { triggerDisableFailedCount: 2 })).status).toBe(200);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Flaky",
      processId,
      cron: "0 0 * * * ?",
      timeZone: "UTC",
    });
    const id = created.body.id as number;
    const db = server.server.storage.db;
    const faultAll = () =>
      db
        .updateTable("jobs")
        .set({ state: "faulted", ended_at: new Date().toISOString() })
        .where("trigger_id", "=", id)
        .execute();
    const hour = new Date(Date.now() + 3_600_000).toISOString().slice(0, 13);
    await plan(id, `${hour}:00:00.000Z`);
    await fire(`${hour}:00:00.100Z`);
    await faultAll();
    const next = new Date(Date.parse(`${hour}:00:00.000Z`) + 3_600_000).toISOString();
    await plan(id, next);
    await fire(next);
    await faultAll();
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(2);
    const third = new Date(Date.parse(next) + 3_600_000).toISOString();
    await plan(id, third);
    await fire(third);
    const after = (await api.get(`${t}/triggers/${id}`)).body;
    expect(after).toMatchObject({
      enabled: false,
      nextFireTime: null,
      disabledReason: "Its last 2 jobs failed within 1 day.",
      disabledReasonCode: "jobs-failed",
      disabledReasonParams: { count: 2, days: 1 },
    });
    expect((await history(api, t, id)).at(-1)).toMatchObject({ outcome: "failed", jobIds: [] });
    const alerts = await api.get(`${t}/alerts`);
    expect(alerts.body.items.map((a: { kind: string }) => a.kind)).toContain("trigger-disabled");
    // The disabling firing failed too, but its alert is trigger-disabled alone.
    expect(alerts.body.items.map((a: { kind: string }) => a.kind)).not.toContain("trigger-failed");
  });

  it("raises trigger-failed once per run of failed firings, again after a firing succeeded", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: unique("Blocked"),
      processId,
      cron: "0 0 * * * ?",
      timeZone: "UTC",
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    const failedAlerts = async () =>
      ((await api.get(`${t}/alerts?limit=100`)).body.items as { kind: string; message: string }[]).filter(
        (a) => a.kind === "trigger-failed" && a.message.includes(created.body.name),
      );
    const at = (hours: number) =>
      `2031-02-0${1 + Math.floor(hours / 24)}T${String(hours % 24).padStart(2, "0")}:00:00.000Z`;
    const fireAt = async (hours: number) => {
      await plan(id, at(hours));
      await fire(at(hours).replace(".000Z", ".100Z"));
      return (await history(api, t, id)).at(-1)?.outcome;
    };
    expect(await fireAt(1)).toBe("fired"); // its job stays pending (no robot)
    expect(await fireAt(2)).toBe("failed");
    expect(await fireAt(3)).toBe("failed");
    const first = await failedAlerts();
    expect(first).toHaveLength(1);
    expect(first[0]?.message).toMatch(/could not start its job: Job \d+ of this trigger is still pending/);
    for (const job of (await api.get(`${t}/triggers/${id}/jobs`)).body.items)
      await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
    expect(await fireAt(4)).toBe("fired");
    expect(await fireAt(5)).toBe("failed");
    expect(await failedAlerts()).toHaveLength(2);
  });

  it("alerts once when a trigger's job stays pending longer than its threshold", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Watched",
      processId,
      cron: "0 0 3 * * ?",
      timeZone: "UTC",
      alertPendingSeconds: 60,
    });
    const id = created.body.id as number;
    await plan(id, "2030-05-01T03:00:00.000Z");
    await fire("2030-05-01T03:00:00.100Z");
    const [job] = (await api.get(`${t}/triggers/${id}/jobs`)).body.items;
    const sweep = (ms: number) => server.server.services.triggerAlerts.sweep(new Date(Date.parse(job.createdAt) + ms));
    expect(await sweep(30_000)).toBe(0);
    const raised = await Promise.all([sweep(61_000), sweep(61_000)]);
    expect(raised.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await sweep(120_000)).toBe(0);
    const alerts = (await api.get(`${t}/alerts`)).body.items.filter(
      (a: { kind: string }) => a.kind === "trigger-job-overdue",
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ link: `/jobs/${job.id}`, severity: "warn" });
  });

  it("pauses and resumes all triggers of a folder or the tenant at once, audited", async () => {
    const { org, api, t, folderId, processId } = await setup(host);
    for (const name of ["A", "B"]) {
      const res = await api.post(`${t}/folders/${folderId}/triggers`, {
        type: "time",
        name,
        processId,
        cron: "0 0 9 * * ?",
      });
      expect(res.status, res.text).toBe(201);
    }
    const off = await api.post(`${t}/triggers/bulk-enabled`, { enabled: false, folderId });
    expect(off.status, off.text).toBe(200);
    expect(off.body).toEqual({ count: 2 });
    const list = async () =>
      (await api.get(`${t}/folders/${folderId}/triggers`)).body.items as Record<string, unknown>[];
    expect((await list()).map((x) => [x.enabled, x.nextFireTime])).toEqual([
      [false, null],
      [false, null],
    ]);
    const user = await createUser(api, org.slug);
    expectProblem(await user.api.post(`${t}/triggers/bulk-enabled`, { enabled: true }), 403, "forbidden");
    expectProblem(await api.post(`${t}/triggers/bulk-enabled`, { enabled: "yes" }), 400, "validation-failed");
    const on = await api.post(`${t}/triggers/bulk-enabled`, { enabled: true });
    expect(on.body).toEqual({ count: 2 });
    for (const x of await list())
      expect(x).toMatchObject({ enabled: true, nextFireTime: expect.stringMatching(/T09:00/) });
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Triggers`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(["Activate", "Deactivate"]),
    );
  });

  it("does not fire for a disabled tenant, and records why", async () => {
    const { org, api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Dormant",
      processId,
      cron: "0 0 4 * * ?",
      timeZone: "UTC",
    });
    const id = created.body.id as number;
    const tenantId = Number(t.split("/").at(-1));
    const patch = (status: string) => host.patch(`/host/organizations/${org.id}/tenants/${tenantId}`, { status });
    expect((await patch("disabled")).status).toBe(200);
    try {
      await plan(id, "2030-06-01T04:00:00.000Z");
      await fire("2030-06-01T04:00:00.100Z");
    } finally {
      expect((await patch("active")).status).toBe(200);
    }
    expect((await history(api, t, id)).at(-1)).toMatchObject({ outcome: "skipped", reason: "The tenant is disabled." });
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(0);
  });

  it("disables itself when its end date has passed", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Until",
      processId,
      cron: "0 0 12 * * ?",
      timeZone: "UTC",
      endDate: "2099-01-01T00:00:00Z",
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    await plan(id, "2098-12-31T12:00:00.000Z");
    await fire("2098-12-31T12:00:00.100Z");
    const after = await api.get(`${t}/triggers/${id}`);
    expect(after.body).toMatchObject({
      enabled: false,
      nextFireTime: null,
      disabledReason: "Its end date has passed.",
      disabledReasonCode: "end-date-passed",
    });
    expect((await api.get(`${t}/triggers/${id}/jobs`)).body.items).toHaveLength(1);
  });
});

/** The real scheduler loop on the real clock, with an every-second Quartz trigger. */
describe.each(testDatabases())("the scheduler on %s", (database) => {
  let server: TestServer;
  let host: Api;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fires an every-second trigger on time, each fire time exactly once and none lost", async () => {
    const { api, t, folderId, processId } = await setup(host);
    const created = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Every second",
      processId,
      cron: "* * * * * ?",
      timeZone: "UTC",
      stopAfterSeconds: 60,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    const started = Date.now();
    const stopped = new Set<number>();
    // Cancel each pending job so that the next second creates a new one (no misfire).
    while (Date.now() - started < 4500) {
      for (const job of (await api.get(`${t}/triggers/${id}/jobs`)).body.items) {
        if (job.state === "pending" && !stopped.has(job.id)) {
          stopped.add(job.id);
          await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api.post(`${t}/triggers/${id}/disable`)).status).toBe(200);
    const h = (await api.get(`${t}/triggers/${id}/history?limit=500`)).body.items as {
      fireTime: string;
      outcome: string;
      jobIds: number[];
    }[];
    const times = h.map((x) => x.fireTime).sort();
    expect(new Set(times).size).toBe(times.length);
    // Consecutive seconds: no fire time lost.
    for (let i = 1; i < times.length; i++) {
      expect(Date.parse(times[i] as string) - Date.parse(times[i - 1] as string)).toBe(1000);
    }
    expect(times.length).toBeGreaterThanOrEqual(3);
    const jobs = (await api.get(`${t}/triggers/${id}/jobs?limit=500`)).body.items as { stopAfterSeconds: number }[];
    const fired = h.filter((x) => x.outcome === "fired");
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(jobs.length).toBe(fired.length);
    expect(jobs.every((j) => j.stopAfterSeconds === 60)).toBe(true);
  });
});
