import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { logsOf, startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { apiOperations, fillPath, type ParamValues } from "../helpers/route-walk.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

/**
 * Planted secrets: an SMTP password, a user's password, a personal access token, a machine key
 * (given to the agent the documented way, in its environment) and a credential asset's password
 * are planted, the installation is used, and then every GET route of the OpenAPI document (CSV
 * exports and audit logs included), the job's logs and the server log are searched for them.
 */
describe.each(testDatabases())("planted secrets on %s", { timeout: 240_000 }, (database) => {
  let server: TestServer;
  let relay: TestSmtpServer;
  let agent: AgentProcess | undefined;
  let org: TestOrg;
  const planted: Record<string, string> = {
    smtpPassword: "Planted-Smtp-Secret-7Qx",
    userPassword: "Planted-User-Passw0rd-9Kd",
    credentialPassword: "Planted-Credential-4Wz",
  };

  beforeAll(async () => {
    [server, relay] = await Promise.all([
      // Debug: request lines (with their URLs and headers redacted) are searched too.
      startTestServer({ database, env: { DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_LOG_LEVEL: "debug" } }),
      startSmtpServer({ auth: { user: "mailer", pass: planted.smtpPassword as string } }),
    ]);
  });
  afterAll(async () => {
    await agent?.kill();
    await server?.stop();
    await relay?.close();
  });

  it("finds none of them in any answer, CSV export, audit row, job log or server log line", async () => {
    const host = await adminApi(server);
    const settings = plainSettings(relay, { smtpUsername: "mailer", smtpPassword: planted.smtpPassword });
    expect((await host.put("/host/settings/email", settings)).status).toBe(200);
    expect((await host.post("/host/settings/email/test", { to: "ops@example.test" })).body.ok).toBe(true);
    org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const user = await createUser(api, org.slug, { password: planted.userPassword });
    const token = await user.api.post("/me/tokens", { name: "script" });
    expect(token.status, token.text).toBe(201);
    planted.personalAccessToken = token.body.token as string;
    expect(planted.personalAccessToken).toBeTruthy();

    const folder = (await api.post(`${t}/folders`, { name: unique("F") })).body.id as number;
    const asset = await api.post(`${t}/folders/${folder}/assets`, {
      name: "Mailbox",
      type: "credential",
      value: { username: "bot", password: planted.credentialPassword },
    });
    expect(asset.status, asset.text).toBe(201);
    const machine = await api.post(`${t}/machines`, { name: unique("m"), slots: 1, folderIds: [folder] });
    expect(machine.status, machine.text).toBe(201);
    planted.machineKey = machine.body.key as string;
    const files = {
      "dirigent.json": JSON.stringify(manifest({ name: "env-print" })),
      "main.js": "console.log(JSON.stringify(process.env));\n",
    };
    expect((await uploadPackage(api, t, await tgz(files))).status).toBe(201);
    const proc = await api.post(`${t}/folders/${folder}/processes`, { name: "Env", packageName: "env-print" });
    expect(proc.status, proc.text).toBe(201);
    agent = spawnAgent({ args: ["--url", server.url], env: { DIRIGENT_MACHINE_KEY: planted.machineKey } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 120_000 });
    const [job] = await startJobs(api, t, folder, { processId: proc.body.id });
    const done = await waitForJob(api, t, job?.id as number);
    expect(done.state).toBe("successful");
    // The automation printed its environment: the log holds it, without the machine key.
    const logs = (await logsOf(api, t, done.id)).map((l) => l.message).join("\n");
    expect(logs).toContain("DIRIGENT_JOB_KEY");

    const values: ParamValues = {
      org: org.slug,
      tenant: org.defaultTenantId,
      tenants: org.defaultTenantId,
      organizations: org.slug,
      folders: folder,
      folder,
      users: user.id,
      machines: machine.body.id,
      assets: asset.body.id,
      processes: proc.body.id,
      jobs: done.id,
      name: "env-print",
      version: "1.0.0",
    };
    const texts: string[] = [logs, server.logs.join(""), agent.lines.join("\n")];
    let answers = 0;
    for (const op of await apiOperations(server.url)) {
      if (op.method !== "GET") continue;
      const path = fillPath(op.template, values);
      if (!path) continue;
      for (const client of [host, api, user.api] as Api[]) {
        const res = await fetch(`${server.url}/api/v1${path}`, {
          headers: { authorization: `Bearer ${client.token}` },
          signal: AbortSignal.timeout(10_000),
        });
        texts.push(`${[...res.headers].join("\n")}\n${await answerText(res)}`);
        answers += 1;
      }
    }
    const haystack = texts.join("\n");
    const hits = Object.entries(planted).flatMap(([kind, secret]) =>
      [secret, Buffer.from(secret).toString("base64"), encodeURIComponent(secret)]
        .filter((form) => haystack.includes(form))
        .map((form) => `${kind} (${form === secret ? "plain" : "encoded"})`),
    );
    console.log(
      `planted secrets (${database}): ${Object.keys(planted).length} secrets, ${answers} answers and ` +
        `${haystack.length} characters searched, ${hits.length} hits`,
    );
    expect(answers).toBeGreaterThan(80);
    expect(hits).toEqual([]);
  });
});

/** An answer's body; of a live stream (server-sent events, which never end), what it sends in its first 300 ms. */
async function answerText(res: Response): Promise<string> {
  if (!res.headers.get("content-type")?.startsWith("text/event-stream") || !res.body) return res.text();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const until = Date.now() + 300;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) break;
    const next = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(resolve, left, null))]);
    if (!next || next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  await reader.cancel();
  return text;
}
