import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { compatPackageFiles, odataCall } from "../helpers/odata.js";
import { tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The compatibility layer's read views (Robots, Machines, Sessions, ProcessSchedules), schedule
 * switching, the edit of new queue items and StartTransaction with content: shapes, query
 * options, refused input and isolation, over real rows and a real agent.
 */
describe.each(testDatabases())("the OData views and item edits on %s", { timeout: 180_000 }, (database) => {
  let server: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  let api: Api;
  let t: string;
  let pat: string;
  let otherPat: string;
  let base: string;
  let folderId: number;
  let emptyFolderId: number;
  let processId: number;
  let processKey: string;
  let machineId: number;
  let idleMachineId: number;
  let machineName: string;
  let timeTriggerId: number;
  let queueTriggerId: number;
  let httpTriggerId: number;
  let queueId: number;
  let agent: AgentProcess;

  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token, ...rest } = init;
    return odataCall(`${server.url}${path}`, token === undefined ? pat : token, rest);
  };
  const inFolder = (id = folderId) => ({ "X-UIPATH-OrganizationUnitId": String(id) });

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    const host = await adminApi(server);
    org = await createOrg(host);
    other = await createOrg(host);
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    pat = (await api.post("/me/tokens", { name: "views" })).body.token;
    otherPat = (await other.admin.api.post("/me/tokens", { name: "views" })).body.token;
    base = `/${org.slug}/Default/orchestrator_`;
    folderId = (await api.post(`${t}/folders`, { name: "Views" })).body.id;
    emptyFolderId = (await api.post(`${t}/folders`, { name: "Empty" })).body.id;
    expect((await uploadPackage(api, t, await tgz(compatPackageFiles))).status).toBe(201);
    const process = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Hello",
      packageName: "compat-hello",
    });
    expect(process.status, process.text).toBe(201);
    processId = process.body.id;
    machineName = unique("robot");
    const machine = await api.post(`${t}/machines`, { name: machineName, slots: 2, folderIds: [folderId] });
    machineId = machine.body.id;
    idleMachineId = (await api.post(`${t}/machines`, { name: unique("idle"), slots: 1, folderIds: [] })).body.id;
    const time = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: "Weekdays",
      processId,
      cron: "0 0 9 ? * MON-FRI",
      timeZone: "Europe/Berlin",
      inputArguments: { name: "Ada" },
      stopAfterSeconds: 3600,
      killAfterSeconds: 600,
      machineId,
    });
    expect(time.status, time.text).toBe(201);
    timeTriggerId = time.body.id;
    queueId = (await api.post(`${t}/folders/${folderId}/queues`, { name: "Orders", uniqueReference: true })).body.id;
    const queueTrigger = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "queue",
      name: "Work the queue",
      processId,
      queueId,
      minItems: 50,
      enabled: false,
    });
    expect(queueTrigger.status, queueTrigger.text).toBe(201);
    queueTriggerId = queueTrigger.body.id;
    const http = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "http",
      name: "Hook",
      processId,
      slug: unique("hook"),
      method: "POST",
      callMode: "fireAndForget",
    });
    expect(http.status, http.text).toBe(201);
    httpTriggerId = http.body.id;
    const releases = await call(`${base}/odata/Releases?$filter=Id eq ${processId}`);
    processKey = releases.body.value[0].Key;
    agent = spawnAgent({ url: server.url, key: machine.body.key });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
  });

  it("shows machines as Robots and Machines, with query options and the folder header", async () => {
    const robots = await call(`${base}/odata/Robots?$count=true`);
    expect(robots.status, robots.text).toBe(200);
    expect(robots.body["@odata.context"]).toMatch(/\/odata\/\$metadata#Robots$/);
    expect(robots.body["@odata.count"]).toBe(2);
    const robot = robots.body.value.find((r: { Id: number }) => r.Id === machineId);
    expect(robot).toMatchObject({
      Id: machineId,
      Name: machineName,
      MachineId: machineId,
      MachineName: machineName,
      LicenseKey: null,
      Type: "Unattended",
      Enabled: true,
    });
    expect(typeof robot.Version).toBe("string");
    // A folder header: only the machines serving that folder.
    const inViews = await call(`${base}/odata/Robots`, { headers: inFolder() });
    expect(inViews.body.value.map((r: { Id: number }) => r.Id)).toEqual([machineId]);
    expect((await call(`${base}/odata/Robots`, { headers: inFolder(emptyFolderId) })).body.value).toEqual([]);
    const filtered = await call(
      `${base}/odata/Robots?${new URLSearchParams({ $filter: `name eq '${machineName}'`, $select: "Id,Name" })}`,
    );
    expect(filtered.body.value).toEqual([{ Id: machineId, Name: machineName }]);
    const sorted = await call(`${base}/odata/Robots?$orderby=Id desc&$top=1&$skip=1`);
    expect(sorted.body.value.map((r: { Id: number }) => r.Id)).toEqual([Math.min(machineId, idleMachineId)]);
    const one = await call(`${base}/odata/Robots(${machineId})?$select=Id,MachineName`);
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ Id: machineId, MachineName: machineName });
    expect(one.body.Type).toBeUndefined();

    const machines = await call(`${base}/odata/Machines?$filter=UnattendedSlots ge 2`);
    expect(machines.body.value).toHaveLength(1);
    const m = machines.body.value[0];
    expect(m).toMatchObject({
      Id: machineId,
      Name: machineName,
      UnattendedSlots: 2,
      LicenseKey: null,
      ClientSecret: null,
    });
    expect(m.Key).toMatch(guid);
    expect(m.RobotVersions).toEqual([{ Count: 1, Version: robot.Version, MachineId: machineId }]);
    expect((await call(`${base}/odata/Machines(${idleMachineId})`)).body).toMatchObject({
      Id: idleMachineId,
      RobotVersions: [],
    });
    const unknown = await call(`${base}/odata/Machines?$filter=LicenseKey eq 'x'`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/LicenseKey cannot be filtered on/);
  });

  it("shows the agents' connections as Sessions", async () => {
    const live = await call(
      `${base}/odata/Sessions?${new URLSearchParams({
        $filter: `State eq 'available' and MachineId eq ${machineId}`,
        $expand: "Robot",
        $count: "true",
      })}`,
    );
    expect(live.status, live.text).toBe(200);
    expect(live.body["@odata.count"]).toBe(1);
    const session = live.body.value[0];
    expect(session).toMatchObject({
      MachineId: machineId,
      MachineName: machineName,
      HostMachineName: os.hostname(),
      State: "Available",
      IsUnresponsive: false,
      RuntimeType: "Unattended",
      Robot: { Id: machineId, Name: machineName },
      Platform: os.platform() === "linux" ? "Linux" : expect.any(String),
    });
    expect(Date.parse(session.ReportingTime)).toBeGreaterThan(Date.now() - 120_000);
    expect(session.Id).toBe(session.SessionId);
    expect((await call(`${base}/odata/Sessions?$filter=State eq 'Disconnected'`)).body.value).toEqual([]);
    expect((await call(`${base}/odata/Sessions`, { headers: inFolder(emptyFolderId) })).body.value).toEqual([]);
  });

  it("shows time and queue triggers as ProcessSchedules, and switches them with SetEnabled", async () => {
    const list = await call(`${base}/odata/ProcessSchedules?$count=true&$orderby=Id`);
    expect(list.status, list.text).toBe(200);
    // The HTTP trigger is not a schedule.
    expect(list.body.value.map((s: { Id: number }) => s.Id)).toEqual([timeTriggerId, queueTriggerId]);
    const time = list.body.value[0];
    expect(time).toMatchObject({
      Id: timeTriggerId,
      Name: "Weekdays",
      Enabled: true,
      ReleaseId: processId,
      ReleaseKey: processKey,
      ReleaseName: "Hello",
      PackageName: "compat-hello",
      StartProcessCron: "0 0 9 ? * MON-FRI",
      TimeZoneId: "Europe/Berlin",
      StopProcessExpression: "3600",
      StopStrategy: "SoftStop",
      KillProcessExpression: 600,
      StartStrategy: 0,
      ExecutorRobots: [{ Id: machineId, Name: machineName }],
      InputArguments: '{"name":"Ada"}',
      OrganizationUnitId: folderId,
      OrganizationUnitFullyQualifiedName: "Views",
    });
    expect(time.Key).toMatch(guid);
    expect(time.StartProcessCronSummary).toMatch(/09:00|9:00/);
    expect(new Date(time.StartProcessNextOccurrence).getUTCMinutes()).toBe(0);
    expect(list.body.value[1]).toMatchObject({
      Id: queueTriggerId,
      Enabled: false,
      QueueDefinitionId: queueId,
      ItemsActivationThreshold: 50,
      StartProcessCron: null,
    });
    const enabledOnly = await call(`${base}/odata/ProcessSchedules?$filter=Enabled eq true and ReleaseName eq 'Hello'`);
    expect(enabledOnly.body.value.map((s: { Id: number }) => s.Id)).toEqual([timeTriggerId]);
    expect((await call(`${base}/odata/ProcessSchedules`, { headers: inFolder(emptyFolderId) })).body.value).toEqual([]);
    const one = await call(`${base}/odata/ProcessSchedules(${timeTriggerId})?$select=Id,Enabled`);
    expect(one.body).toMatchObject({ Id: timeTriggerId, Enabled: true });
    expect((await call(`${base}/odata/ProcessSchedules(${httpTriggerId})`)).status).toBe(404);

    const setEnabled = `${base}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`;
    const off = await call(setEnabled, {
      method: "POST",
      body: JSON.stringify({ scheduleIds: [timeTriggerId, queueTriggerId], enabled: false }),
    });
    expect(off.status, off.text).toBe(200);
    expect(off.body.value).toBe(true);
    expect((await api.get(`${t}/triggers/${timeTriggerId}`)).body).toMatchObject({
      enabled: false,
      nextFireTime: null,
    });
    // An HTTP trigger's id among them: 404 and nothing changes.
    const mixed = await call(setEnabled, {
      method: "POST",
      body: JSON.stringify({ scheduleIds: [timeTriggerId, httpTriggerId], enabled: true }),
    });
    expect(mixed.status, mixed.text).toBe(404);
    expect((await api.get(`${t}/triggers/${timeTriggerId}`)).body.enabled).toBe(false);
    const on = await call(setEnabled, {
      method: "POST",
      body: JSON.stringify({ ScheduleIds: [timeTriggerId], Enabled: true }),
    });
    expect(on.status, on.text).toBe(200);
    const again = await api.get(`${t}/triggers/${timeTriggerId}`);
    expect(again.body.enabled).toBe(true);
    expect(again.body.nextFireTime).not.toBeNull();
    // Through the trigger service: audited like the UI's switch.
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Triggers&limit=20`);
    expect(audit.status, audit.text).toBe(200);
    // Three switches changed something (two off, one on); the refused one none.
    expect(audit.body.items.filter((a: { action: string }) => a.action === "Update")).toHaveLength(3);
  });

  it("edits a new queue item with PUT and PATCH, refusing started items with 409", async () => {
    const add = await api.post(`${t}/queues/${queueId}/items`, {
      specificContent: { n: 1 },
      reference: "e-1",
      priority: "low",
    });
    expect(add.status, add.text).toBe(201);
    const id = add.body.id as number;
    const put = await call(`${base}/odata/QueueItems(${id})`, {
      method: "PUT",
      headers: inFolder(),
      body: JSON.stringify({
        Name: "Orders",
        Priority: "High",
        SpecificContent: { n: 2, "n@odata.type": "#Int64" },
        Reference: "e-2",
        DueDate: "2030-01-02T03:04:05Z",
      }),
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      Id: id,
      Status: "New",
      Priority: "High",
      Reference: "e-2",
      SpecificContent: { n: 2 },
      DueDate: "2030-01-02T03:04:05.000Z",
    });
    const patch = await call(`${base}/odata/QueueItems(${id})`, {
      method: "PATCH",
      body: JSON.stringify({ DueDate: null, reference: null }),
    });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.body).toMatchObject({ Reference: null, DueDate: null, Priority: "High", SpecificContent: { n: 2 } });
    const detail = await api.get(`${t}/queue-items/${id}`);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual(["created", "edited", "edited"]);
    expect(detail.body.history[1].detail).toMatch(/specificContent/);

    // Both invalid fields are named at once; nothing changes.
    const bad = await call(`${base}/odata/QueueItems(${id})`, {
      method: "PUT",
      body: JSON.stringify({ Priority: "Urgent", DeferDate: "2026-13-45", SpecificContent: [1] }),
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.message).toMatch(/Priority/);
    expect(bad.body.message).toMatch(/DeferDate/);
    expect(bad.body.message).toMatch(/SpecificContent/);
    // A unique queue keeps its references unique.
    await api.post(`${t}/queues/${queueId}/items`, { specificContent: {}, reference: "taken" });
    const dup = await call(`${base}/odata/QueueItems(${id})`, {
      method: "PUT",
      body: JSON.stringify({ Reference: "taken" }),
    });
    expect(dup.status, dup.text).toBe(409);
    expect(dup.body.errorCode).toBe(1016);

    // Once started, an item is the consumer's.
    const started = await api.post(`${t}/queues/${queueId}/transactions`, {});
    expect(started.status, started.text).toBe(200);
    const conflict = await call(`${base}/odata/QueueItems(${started.body.id})`, {
      method: "PUT",
      body: JSON.stringify({ Priority: "Low" }),
    });
    expect(conflict.status, conflict.text).toBe(409);
    expect(conflict.body).toMatchObject({ errorCode: 1005 });
    expect(conflict.body.message).toMatch(/inProgress item cannot be edited/);
  });

  it("StartTransaction with SpecificContent adds and starts one item at once", async () => {
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Inline" });
    const res = await call(`${base}/odata/Queues/UiPathODataSvc.StartTransaction`, {
      method: "POST",
      headers: inFolder(),
      body: JSON.stringify({
        transactionData: { Name: "Inline", Reference: "inline-1", Priority: "High", SpecificContent: { x: "y" } },
      }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      Status: "InProgress",
      Reference: "inline-1",
      Priority: "High",
      SpecificContent: { x: "y" },
    });
    const detail = await api.get(`${t}/queue-items/${res.body.Id}`);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual(["created", "started"]);
    // It is no other consumer's: the queue has nothing new.
    const next = await call(`${base}/odata/Queues/UiPathODataSvc.StartTransaction`, {
      method: "POST",
      headers: inFolder(),
      body: JSON.stringify({ transactionData: { Name: "Inline" } }),
    });
    expect(next.status).toBe(204);
    const done = await call(`${base}/odata/Queues(${res.body.Id})/UiPathODataSvc.SetTransactionResult`, {
      method: "POST",
      body: JSON.stringify({ transactionResult: { IsSuccessful: true } }),
    });
    expect(done.status, done.text).toBe(204);
    // Invalid content: 400 naming it, and no item is left behind.
    const bad = await call(`${base}/odata/Queues/UiPathODataSvc.StartTransaction`, {
      method: "POST",
      headers: inFolder(),
      body: JSON.stringify({ transactionData: { Name: "Inline", SpecificContent: "text", DueDate: "never" } }),
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.message).toMatch(/SpecificContent/);
    const items = await api.get(`${t}/queues/${q.body.id}/items`);
    expect(items.body.items).toHaveLength(1);
  });

  it("refuses bad ids, NUL and out-of-range numbers with 400, never 500", async () => {
    const bad: [string, RequestInit][] = [
      [`${base}/odata/Robots(abc)`, {}],
      [`${base}/odata/Robots(2147483648)`, {}],
      [`${base}/odata/Machines(0)`, {}],
      [`${base}/odata/Machines(99999999999)`, {}],
      [`${base}/odata/ProcessSchedules(-1)`, {}],
      [`${base}/odata/Robots?$filter=Id eq 2147483648`, {}],
      [`${base}/odata/Sessions?$filter=State eq 'Sleeping'`, {}],
      [`${base}/odata/Sessions?$filter=MachineName eq 'a%00b'`, {}],
      [`${base}/odata/ProcessSchedules?$filter=Enabled eq 'yes'`, {}],
      [`${base}/odata/ProcessSchedules?$top=-1`, {}],
      [`${base}/odata/QueueItems(2147483648)`, { method: "PUT", body: JSON.stringify({ Priority: "Low" }) }],
      [`${base}/odata/QueueItems(1)`, { method: "PUT", body: JSON.stringify({ Reference: "a\u0000b" }) }],
      [`${base}/odata/QueueItems(1)`, { method: "PATCH", body: "[1]" }],
      [
        `${base}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`,
        { method: "POST", body: JSON.stringify({ scheduleIds: [2 ** 31, "x"], enabled: "yes" }) },
      ],
      [
        `${base}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`,
        { method: "POST", body: JSON.stringify({ scheduleIds: [], enabled: true }) },
      ],
    ];
    for (const [path, init] of bad) {
      const res = await call(path, init);
      expect(res.status, `${path} ${res.text}`).toBe(400);
      expect(res.type).toMatch(/^application\/json/);
      expect(typeof res.body.message, path).toBe("string");
      expect(res.body.errorCode, path).toBe(1000);
    }
    const all = await call(`${base}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`, {
      method: "POST",
      body: JSON.stringify({ scheduleIds: [2 ** 31, "x"], enabled: "yes" }),
    });
    expect(all.body.message).toMatch(/enabled/);
    expect(all.body.message).toMatch(/scheduleIds\.0/);
    expect(all.body.message).toMatch(/scheduleIds\.1/);
    expect((await call(`${base}/odata/Robots`, { method: "DELETE" })).status).toBe(501);
    expect((await call(`${base}/odata/ProcessSchedules(${timeTriggerId})`, { method: "DELETE" })).status).toBe(501);
  });

  it("never shows or changes another organization's robots, schedules or items", async () => {
    const item = await api.post(`${t}/queues/${queueId}/items`, { specificContent: {}, reference: unique("iso") });
    const theirs = `/${other.slug}/Default/orchestrator_`;
    const as = { token: otherPat };
    for (const path of [
      `/odata/Robots(${machineId})`,
      `/odata/Machines(${machineId})`,
      `/odata/ProcessSchedules(${timeTriggerId})`,
      `/odata/QueueItems(${item.body.id})`,
    ]) {
      const res = await call(`${theirs}${path}`, as);
      expect(res.status, `${path} ${res.text}`).toBe(404);
    }
    for (const set of ["Robots", "Machines", "Sessions", "ProcessSchedules"]) {
      const res = await call(`${theirs}/odata/${set}?$count=true`, as);
      expect(res.status, res.text).toBe(200);
      expect(res.body["@odata.count"], set).toBe(0);
    }
    // Our tenant in the path with their token: 404 whatever the operation.
    expect((await call(`${base}/odata/Robots`, as)).status).toBe(404);
    const put = await call(`${theirs}/odata/QueueItems(${item.body.id})`, {
      ...as,
      method: "PUT",
      body: JSON.stringify({ Priority: "High" }),
    });
    expect(put.status).toBe(404);
    const set = await call(`${theirs}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`, {
      ...as,
      method: "POST",
      body: JSON.stringify({ scheduleIds: [timeTriggerId], enabled: false }),
    });
    expect(set.status).toBe(404);
    expect((await api.get(`${t}/queue-items/${item.body.id}`)).body.priority).toBe("normal");
    expect((await api.get(`${t}/triggers/${timeTriggerId}`)).body.enabled).toBe(true);
  });

  it("follows the caller's rights: machines.view for robots, queues.edit for items, triggers.edit to switch", async () => {
    const roles = (await api.get(`${t}/roles`)).body.items as { id: number; name: string }[];
    const viewer = roles.find((r) => r.name === "Viewer")?.id;
    const member = await createUser(api, org.slug);
    expect((await api.put(`${t}/folders/${folderId}/assignments/${member.id}`, { roleIds: [viewer] })).status).toBe(
      204,
    );
    const token = (await member.api.post("/me/tokens", { name: "m" })).body.token;
    const as = { token, headers: inFolder() };
    expect((await call(`${base}/odata/Robots`, as)).status).toBe(403);
    expect((await call(`${base}/odata/Sessions`, as)).status).toBe(403);
    // A viewer sees the folder's schedules and items but changes none.
    expect((await call(`${base}/odata/ProcessSchedules(${timeTriggerId})`, as)).status).toBe(200);
    const set = await call(`${base}/odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled`, {
      ...as,
      method: "POST",
      body: JSON.stringify({ scheduleIds: [timeTriggerId], enabled: false }),
    });
    expect(set.status, set.text).toBe(403);
    const item = await api.post(`${t}/queues/${queueId}/items`, { specificContent: {}, reference: unique("v") });
    for (const [path, body] of [
      [`/odata/QueueItems(${item.body.id})`, { Priority: "High" }],
      ["/odata/Queues/UiPathODataSvc.AddQueueItem", { itemData: { Name: "Orders", SpecificContent: {} } }],
      ["/odata/Queues/UiPathODataSvc.StartTransaction", { transactionData: { Name: "Orders" } }],
      ["/odata/Queues/UiPathODataSvc.StartTransaction", { transactionData: { Name: "Orders", SpecificContent: {} } }],
    ] as const) {
      const res = await call(`${base}${path}`, {
        ...as,
        method: path.startsWith("/odata/QueueItems") ? "PUT" : "POST",
        body: JSON.stringify(body),
      });
      expect(res.status, `${path} ${res.text}`).toBe(403);
    }
    const after = await api.get(`${t}/queue-items/${item.body.id}`);
    expect(after.body).toMatchObject({ status: "new", priority: "normal" });
  });
});
