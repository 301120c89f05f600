import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Assets } from "@uipath/uipath-typescript/assets";
import { Buckets } from "@uipath/uipath-typescript/buckets";
import { UiPath } from "@uipath/uipath-typescript/core";
import { Jobs } from "@uipath/uipath-typescript/jobs";
import { Processes } from "@uipath/uipath-typescript/processes";
import { Queues } from "@uipath/uipath-typescript/queues";
import Orchestrator from "uipath-orchestrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, eventually, killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { blockOutsideFetch, compatPackageFiles, encodedPath, promised } from "../helpers/odata.js";
import { tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const slow = { timeout: 240_000 };
// For the whole file (each test file runs in its own worker): the TS client's telemetry batches
// are flushed on timers, also after a suite ended, and must never leave this machine.
const fetchGuard = blockOutsideFetch();

/**
 * The original product's two npm clients, unchanged, against a real Dirigent server with a real
 * agent running a real package (docs/compatibility.md): only the base URL and the token differ.
 */
describe.each(testDatabases())("the original's clients against Dirigent on %s", slow, (database) => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let pat: string;
  let folderId: number;
  let folderPath: string;
  let processId: number;
  let machineId: number;
  let agent: AgentProcess;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-agents-"));
    server = await startTestServer({ database, env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    const host = await adminApi(server);
    org = await createOrg(host);
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const token = await api.post("/me/tokens", { name: "compat" });
    expect(token.status, token.text).toBe(201);
    pat = token.body.token;
    // A non-ASCII path: the TS client sends it Base64 of UTF-16LE.
    const parent = await api.post(`${t}/folders`, { name: "Finanzen" });
    const child = await api.post(`${t}/folders`, { name: "Rechnungen Ü–ß", parentId: parent.body.id });
    expect(child.status, child.text).toBe(201);
    folderId = child.body.id;
    folderPath = "Finanzen/Rechnungen Ü–ß";
    const pkg = await uploadPackage(api, t, await tgz(compatPackageFiles));
    expect(pkg.status, pkg.text).toBe(201);
    const process = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Hello",
      packageName: "compat-hello",
    });
    expect(process.status, process.text).toBe(201);
    processId = process.body.id;
    const asset = await api.post(`${t}/folders/${folderId}/assets`, {
      name: "Greeting",
      type: "text",
      value: "Grüezi",
    });
    expect(asset.status, asset.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: unique("robot"), slots: 2, folderIds: [folderId] });
    machineId = machine.body.id;
    agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  function sdk() {
    return new UiPath({ baseUrl: server.url, orgName: org.slug, tenantName: "Default", secret: pat });
  }

  it("@uipath/uipath-typescript: lists processes, starts one, waits for its output, reads assets", async () => {
    const client = sdk();
    const processes = new Processes(client);
    const all = await processes.getAll();
    const hello = all.items.find((p: { name: string }) => p.name === "Hello") as unknown as Record<string, unknown>;
    expect(hello).toMatchObject({ id: processId, packageKey: "compat-hello", folderId, folderName: folderPath });
    // getByName sends the folder as the encoded path; getAll by folder id.
    const byName = await processes.getByName("Hello", { folderPath });
    expect(byName.id).toBe(processId);
    expect((await processes.getAll({ folderId })).items.map((p: { id: number }) => p.id)).toEqual([processId]);

    const started = await processes.start(
      { processKey: hello.key as string, inputArguments: JSON.stringify({ name: "Ada", assetName: "Greeting" }) },
      folderId,
    );
    expect(started).toHaveLength(1);
    const key = started[0]?.key as string;
    const jobs = new Jobs(client);
    const done = await eventually(
      async () => {
        const job = await jobs.getById(key, folderId);
        if (!["Successful", "Faulted", "Stopped"].includes(job.state)) throw new Error(`still ${job.state}`);
        return job;
      },
      90_000,
      500,
    );
    expect(done.state).toBe("Successful");
    const output = await jobs.getOutput(key, folderId);
    // The asset was read inside the job through the compatibility API with the UIPATH_* environment.
    expect(output).toEqual({
      greeting: "Hello Ada",
      asset: "Grüezi",
      credentialUser: null,
      jobKey: key,
      telemetry: "false",
    });
    // Jobs across folders (no folder header) with $count.
    const listed = await jobs.getAll({ pageSize: 10 } as never);
    expect((listed as { items: { key: string }[] }).items.map((j) => j.key)).toContain(key);

    const assets = new Assets(client);
    const greeting = await assets.getByName("Greeting", { folderId });
    expect(greeting).toMatchObject({ name: "Greeting", value: "Grüezi", valueType: "Text" });
    expect((await assets.getAll()).items.map((a: { name: string }) => a.name)).toContain("Greeting");
    expect((await new Queues(client).getAll({ folderId })).items).toEqual([]);
    // Telemetry calls went nowhere: they were answered locally.
    expect(fetchGuard.blocked.every((o) => o.includes("applicationinsights"))).toBe(true);
  });

  it("@uipath/uipath-typescript: stops and restarts jobs", async () => {
    const client = sdk();
    const processes = new Processes(client);
    const hello = await processes.getByName("Hello", { folderId });
    const [job] = await processes.start(
      { processKey: hello.key, inputArguments: JSON.stringify({ name: "Long", sleepMs: 60_000 }) },
      folderId,
    );
    const jobs = new Jobs(client);
    await eventually(async () => {
      const j = await jobs.getById(job?.key as string, folderId);
      if (j.state !== "Running") throw new Error(j.state);
    }, 60_000);
    await jobs.stop([job?.key as string], folderId, { strategy: "Kill" as never });
    const stopped = await eventually(async () => {
      const j = await jobs.getById(job?.key as string, folderId);
      if (j.state !== "Stopped") throw new Error(j.state);
      return j;
    }, 60_000);
    expect(stopped.state).toBe("Stopped");
    const restarted = await jobs.restart(job?.key as string, folderId);
    expect(restarted.key).not.toBe(job?.key);
    expect(["Pending", "Running"]).toContain(restarted.state);
    await jobs.stop([restarted.key], folderId, { strategy: "Kill" as never });
    const timeline = await api.get(`${t}/jobs/${restarted.id}`);
    expect(timeline.status).toBe(200);
    await eventually(async () => {
      const j = await api.get(`${t}/jobs/${restarted.id}`);
      if (j.body.state !== "stopped") throw new Error(j.body.state);
    }, 60_000);
    // The stop and the restart went through the same service: they are in the audit log.
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Jobs&limit=50`);
    expect(audit.text).toContain("Kill Job");
  });

  it("@uipath/uipath-typescript: moves a file through a bucket's write and read URIs", async () => {
    const bucket = await api.post(`${t}/folders/${folderId}/buckets`, { name: "Drop" });
    expect(bucket.status, bucket.text).toBe(201);
    const buckets = new Buckets(sdk());
    const content = new TextEncoder().encode("Rechnung Nr. 7 – bezahlt");
    const uploaded = await buckets.uploadFile({ bucketId: bucket.body.id, folderId, path: "in/r7.txt", content });
    expect(uploaded).toMatchObject({ success: true });
    const read = await buckets.getReadUri({ bucketId: bucket.body.id, folderId, path: "in/r7.txt" });
    const res = await fetch(read.uri, { headers: (read.headers ?? {}) as Record<string, string> });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Rechnung Nr. 7 – bezahlt");
    const files = await buckets.getFileMetaData(bucket.body.id, folderId, { prefix: "in" });
    expect(files.items.map((f: { path?: string; fullPath?: string }) => f.path ?? f.fullPath)).toEqual(["/in/r7.txt"]);
  });

  it("uipath-orchestrator: logs in with Authenticate, starts a job, feeds and consumes a queue", async () => {
    const client = promised(
      new Orchestrator({
        hostname: "127.0.0.1",
        port: Number(new URL(server.url).port),
        isSecure: false,
        path: `${org.slug}/Default/orchestrator_`,
        tenancyName: "Default",
        usernameOrEmailAddress: org.admin.email,
        password: org.admin.password,
      }),
    );
    // Folders without a folder header; the one we want by its path.
    const folders = await client.get("/odata/Folders", { $filter: `FullyQualifiedName eq '${folderPath}'` });
    expect(folders.value).toHaveLength(1);
    expect(folders.value[0]).toMatchObject({ Id: folderId, DisplayName: "Rechnungen Ü–ß", FolderType: "Standard" });
    const raw = new Orchestrator({
      hostname: "127.0.0.1",
      port: Number(new URL(server.url).port),
      isSecure: false,
      path: `${org.slug}/Default/orchestrator_`,
      accessToken: pat,
    });
    raw.switchOrganizationUnitId(folderId);
    const oc = promised(raw);
    const releases = await oc.get("/odata/Releases", { $filter: "Name eq 'Hello'", $top: 1, $count: true });
    expect(releases["@odata.count"]).toBe(1);
    const release = releases.value[0];
    const started = await oc.post("/odata/Jobs/UiPath.Server.Configuration.OData.StartJobs", {
      startInfo: {
        ReleaseKey: release.Key,
        Strategy: "ModernJobsCount",
        JobsCount: 1,
        InputArguments: '{"name":"Grace"}',
      },
    });
    const id = started.value[0].Id as number;
    const done = await eventually(
      async () => {
        const job = await oc.get(`/odata/Jobs(${id})`, {});
        if (!["Successful", "Faulted", "Stopped"].includes(job.State)) throw new Error(job.State);
        return job;
      },
      90_000,
      500,
    );
    expect(done.State).toBe("Successful");
    expect(JSON.parse(done.OutputArguments)).toMatchObject({ greeting: "Hello Grace" });

    const queue = await oc.post("/odata/QueueDefinitions", {
      Name: "Orders",
      MaxNumberOfRetries: 1,
      EnforceUniqueReference: true,
    });
    expect(queue).toMatchObject({ Name: "Orders", EnforceUniqueReference: true });
    const added = await oc.post("/odata/Queues/UiPathODataSvc.AddQueueItem", {
      itemData: {
        Name: "Orders",
        Priority: "High",
        Reference: "o-1",
        SpecificContent: { n: 1, "n@odata.type": "#Int64" },
      },
    });
    expect(added).toMatchObject({ Status: "New", Priority: "High", SpecificContent: { n: 1 } });
    const bulk = await oc.post("/odata/Queues/UiPathODataSvc.BulkAddQueueItems", {
      queueName: "Orders",
      commitType: "ProcessAllIndependently",
      queueItems: [
        { Priority: "Normal", Reference: "o-2", SpecificContent: { n: 2 } },
        { Priority: "Low", Reference: "o-1", SpecificContent: { n: 3 } },
      ],
    });
    expect(bulk.value).toHaveLength(1);
    expect(bulk.value[0]).toMatchObject({ ErrorCode: "DuplicateReference" });
    const seen: number[] = [];
    for (;;) {
      const item = await oc.post("/odata/Queues/UiPathODataSvc.StartTransaction", {
        transactionData: { Name: "Orders" },
      });
      if (item === null) break; // 204: the queue is empty
      expect(item.Status).toBe("InProgress");
      seen.push(item.SpecificContent.n);
      await oc.post(`/odata/QueueItems(${item.Id})/UiPathODataSvc.SetTransactionProgress`, { progress: "halfway" });
      await oc.post(`/odata/Queues(${item.Id})/UiPathODataSvc.SetTransactionResult`, {
        transactionResult: { IsSuccessful: true, Output: { doubled: item.SpecificContent.n * 2 } },
      });
    }
    // High priority first, never the same item twice.
    expect(seen).toEqual([1, 2]);
    const items = await oc.get("/odata/QueueItems", {
      $filter: "QueueDefinitionName eq 'Orders' and Status eq 'Successful'",
      $orderby: "Id",
    });
    expect(items.value.map((i: { Output: { doubled: number } }) => i.Output.doubled)).toEqual([2, 4]);
  });

  it("uipath-orchestrator: reads robots, sessions, machines and schedules, switches schedules, edits items", async () => {
    const raw = new Orchestrator({
      hostname: "127.0.0.1",
      port: Number(new URL(server.url).port),
      isSecure: false,
      path: `${org.slug}/Default/orchestrator_`,
      accessToken: pat,
    });
    raw.switchOrganizationUnitId(folderId);
    const v2 = raw.v2.odata;
    // The client's named helpers, callback style, as promises.
    const call = <T>(fn: (...args: unknown[]) => void, ...args: unknown[]) =>
      new Promise<T>((resolve, reject) =>
        fn.call(v2, ...args, (error: unknown, data: T) => (error ? reject(error) : resolve(data))),
      );
    // biome-ignore lint/suspicious/noExplicitAny: the old client is untyped.
    type Json = any;
    const robots = await call<Json>(v2.getRobots, {});
    expect(robots.value).toEqual([
      expect.objectContaining({ Id: machineId, MachineId: machineId, Type: "Unattended" }),
    ]);
    expect(await call<Json>(v2.getRobot, machineId, { $select: "Id,Name" })).toMatchObject({ Id: machineId });
    const sessions = await call<Json>(v2.getSessions, {
      $filter: `MachineId eq ${machineId} and State ne 'Disconnected'`,
    });
    expect(sessions.value).toHaveLength(1);
    expect(sessions.value[0]).toMatchObject({ MachineId: machineId, IsUnresponsive: false });
    expect(["Available", "Busy"]).toContain(sessions.value[0].State);
    const machines = await call<Json>(v2.getMachines, { $filter: `Id eq ${machineId}` });
    expect(machines.value[0]).toMatchObject({ Id: machineId, UnattendedSlots: 2 });

    const trigger = await api.post(`${t}/folders/${folderId}/triggers`, {
      type: "time",
      name: unique("nightly"),
      processId,
      cron: "0 0 2 * * ?",
      timeZone: "UTC",
    });
    expect(trigger.status, trigger.text).toBe(201);
    const schedules = await call<Json>(v2.getProcessSchedules, { $filter: `Id eq ${trigger.body.id}` });
    expect(schedules.value[0]).toMatchObject({
      Enabled: true,
      ReleaseName: "Hello",
      StartProcessCron: "0 0 2 * * ?",
      TimeZoneId: "UTC",
      StartProcessNextOccurrence: expect.stringMatching(/T02:00:00\.000Z$/),
    });
    const switched = await call<Json>(v2.postSetProcessScheduleEnabled, {
      scheduleIds: [trigger.body.id],
      enabled: false,
    });
    expect(switched.value).toBe(true);
    expect(await call<Json>(v2.getProcessSchedule, trigger.body.id, {})).toMatchObject({ Enabled: false });

    await api.post(`${t}/folders/${folderId}/queues`, { name: "Edits" });
    const oc = promised(raw);
    const added = await oc.post("/odata/Queues/UiPathODataSvc.AddQueueItem", {
      itemData: { Name: "Edits", SpecificContent: { n: 1 } },
    });
    const edited = await call<Json>(v2.putQueueItem, added.Id, {
      Name: "Edits",
      Priority: "High",
      SpecificContent: { n: 2 },
    });
    expect(edited).toMatchObject({ Id: added.Id, Status: "New", Priority: "High", SpecificContent: { n: 2 } });
    const inline = await oc.post("/odata/Queues/UiPathODataSvc.StartTransaction", {
      transactionData: { Name: "Edits", SpecificContent: { n: 3 } },
    });
    expect(inline).toMatchObject({ Status: "InProgress", SpecificContent: { n: 3 } });
    await expect(call(v2.putQueueItem, inline.Id, { Priority: "Low" })).rejects.toMatchObject({ statusCode: 409 });
  });

  it("uipath-orchestrator: the root form with Authenticate for {org}/{tenant}, and a wrong password", async () => {
    const port = Number(new URL(server.url).port);
    const oc = promised(
      new Orchestrator({
        hostname: "127.0.0.1",
        port,
        isSecure: false,
        tenancyName: `${org.slug}/Default`,
        usernameOrEmailAddress: org.admin.email,
        password: org.admin.password,
      }),
    );
    const releases = await oc.get("/odata/Releases", {});
    expect(releases.value.map((r: { Id: number }) => r.Id)).toContain(processId);
    const wrong = promised(
      new Orchestrator({
        hostname: "127.0.0.1",
        port,
        isSecure: false,
        tenancyName: `${org.slug}/Default`,
        usernameOrEmailAddress: org.admin.email,
        password: "wrong",
      }),
    );
    await expect(wrong.get("/odata/Releases", {})).rejects.toMatchObject({ statusCode: 400 });
  });

  it("takes the folder from every header form, path before key before id", async () => {
    const folders = await fetch(
      `${server.url}/${org.slug}/Default/orchestrator_/odata/Folders?$filter=Id eq ${folderId}`,
      {
        headers: { authorization: `Bearer ${pat}` },
      },
    ).then((r) => r.json() as Promise<{ value: { Key: string }[] }>);
    const key = folders.value[0]?.Key as string;
    const forms: Record<string, string>[] = [
      { "X-UIPATH-OrganizationUnitId": String(folderId) },
      { "X-UIPATH-FolderKey": key },
      { "X-UIPATH-FolderPath-Encoded": encodedPath(folderPath) },
      { "X-UIPATH-FolderPath": "Finanzen" },
      // Path wins over a wrong id and key.
      {
        "X-UIPATH-FolderPath-Encoded": encodedPath(folderPath),
        "X-UIPATH-OrganizationUnitId": "999999",
        "X-UIPATH-FolderKey": "00000000-0000-4000-8000-000000000000",
      },
    ];
    const expected = [processId, processId, processId, undefined, processId];
    for (const [i, headers] of forms.entries()) {
      const res = await fetch(`${server.url}/${org.slug}/Default/orchestrator_/odata/Releases`, {
        headers: { authorization: `Bearer ${pat}`, ...headers },
      });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      const body = (await res.json()) as { value: { Id: number }[] };
      expect(body.value[0]?.Id, JSON.stringify(headers)).toBe(expected[i]);
    }
  });
});
