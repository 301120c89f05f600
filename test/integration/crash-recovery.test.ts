import type net from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../helpers/agent.js";
import { Api } from "../helpers/api.js";
import { useCrashServer } from "../helpers/crash-server.js";
import { testDatabases } from "../helpers/database.js";
import { createOrg } from "../helpers/fixtures.js";
import { logsOf, startJobs, waitForJob, waitForLog } from "../helpers/jobs.js";
import { manifest, tgz, uploadPackage } from "../helpers/packages.js";
import { testAdminPassword } from "../helpers/server.js";

/** An SMTP sink that takes its time accepting each message, so a crash finds mail in flight. */
async function slowSink(delayMs: number) {
  const received: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        setTimeout(() => {
          received.push(...session.envelope.rcptTo.map((r) => r.address));
          callback();
        }, delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  // The Dirigent server is killed mid-conversation on purpose: its connections reset (ECONNRESET),
  // which smtp-server reports as an "error" event; without a listener that is an uncaught exception.
  server.on("error", () => {});
  return {
    port: (server.server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(testDatabases())("kill -9 of the server mid-send (%s)", (database) => {
  let sink: Awaited<ReturnType<typeof slowSink>>;
  beforeAll(async () => {
    sink = await slowSink(150);
  });
  afterAll(async () => {
    await sink?.close();
  });
  // Registered after the sink's hooks, so the server stops before the sink closes.
  const crash = useCrashServer(database, "mail-crash", {
    DIRIGENT_MAIL_POLL_MS: "100",
    DIRIGENT_MAIL_LEASE_SECONDS: "5",
  });

  it("loses no accepted e-mail and sends at most the in-flight ones twice", async () => {
    let server = await crash.start();
    let admin = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const saved = await admin.put("/host/settings/email", {
      enabled: true,
      smtpHost: "127.0.0.1",
      smtpPort: sink.port,
      secureConnection: false,
      fromAddress: "noreply@crash.test",
    });
    expect(saved.status, saved.text).toBe(200);
    const org = await admin.post("/host/organizations", {
      name: "Crash Org",
      admin: { email: "root@crash.test", password: "Root-Passw0rd!" },
    });
    expect(org.status, org.text).toBe(201);
    const total = 40;
    for (let i = 0; i < total; i++) {
      // Users without a password get an invitation: one outbox row each, written with the user.
      const res = await admin.post("/orgs/crash-org/users", { email: `user${i}@crash.test` });
      expect(res.status, res.text).toBe(201);
    }
    await until(() => sink.received.length >= 5, 20_000, "the first deliveries");
    await server.kill9();
    const deliveredBeforeCrash = sink.received.length;
    expect(deliveredBeforeCrash).toBeLessThan(total);

    server = await crash.start();
    admin = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    await until(
      async () => {
        const sent = await admin.get("/host/email/outbox?status=sent&limit=500");
        return sent.body.items.length === total;
      },
      60_000,
      "every message to be sent after the restart",
    );
    const expected = Array.from({ length: total }, (_, i) => `user${i}@crash.test`);
    for (const address of expected) expect(sink.received).toContain(address);
    // Only messages in flight at the crash (at most the 5 pooled connections' worth, claimed but
    // not yet recorded) may arrive twice.
    const duplicates = sink.received.length - new Set(sink.received).size;
    expect(duplicates).toBeLessThanOrEqual(10);
    const outbox = await admin.get("/host/email/outbox?limit=500");
    expect(outbox.body.items.every((m: { status: string }) => m.status === "sent")).toBe(true);
  });
});

/** Writes `lines` numbered lines, one every few milliseconds, then an output argument, and exits 0. */
const steadyLogger = `import fs from "node:fs";
const { lines } = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
for (let i = 1; i <= lines; i++) {
  console.log("line " + i);
  await new Promise((r) => setTimeout(r, 8));
}
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ wrote: lines }));
`;

describe.each(testDatabases())("kill -9 of the server while a robot streams logs (%s)", (database) => {
  // The same port after a restart: the agent reconnects to the URL it was given.
  const crash = useCrashServer(database, "logs-crash");

  it("loses no log line and no result: each line arrives once, in order, and the job ends successful", {
    timeout: 180_000,
  }, async () => {
    let server = await crash.start();
    const host = await new Api(server.url).as({ username: "admin", password: testAdminPassword });
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const files = {
      "dirigent.json": JSON.stringify(manifest({ name: "steady", version: "1.0.0" })),
      "main.js": steadyLogger,
    };
    const upload = await uploadPackage(org.admin.api, t, await tgz(files));
    expect(upload.status, upload.text).toBe(201);
    const folder = await org.admin.api.post(`${t}/folders`, { name: "Steady" });
    const process = await org.admin.api.post(`${t}/folders/${folder.body.id}/processes`, {
      name: "Steady",
      packageName: "steady",
    });
    expect(process.status, process.text).toBe(201);
    const machine = await org.admin.api.post(`${t}/machines`, {
      name: "steady-robot",
      slots: 1,
      folderIds: [folder.body.id],
    });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: crash.workDir } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });

    const total = 400;
    const [job] = await startJobs(org.admin.api, t, folder.body.id, {
      processId: process.body.id,
      inputArguments: { lines: total },
    });
    const id = job?.id as number;
    await waitForLog(org.admin.api, t, id, /^line 20$/);
    // Frozen first, so that what the agent sends from now on (lines, then the job's result) lands
    // in the dead server's socket and is never handled: exactly what a crash loses in flight.
    server.child.kill("SIGSTOP");
    const since = agent.mark();
    await agent.waitFor(new RegExp(`^Job ${id} finished \\(exit code 0\\)\\.$`), { since, timeoutMs: 60_000 });
    await server.kill9();
    await agent.waitFor(/^Reconnecting in /, { since });

    server = await crash.start();
    await agent.waitFor(/^Connected to /, { since, timeoutMs: 60_000 });
    const api = await new Api(server.url).as({
      organization: org.slug,
      email: org.admin.email,
      password: org.admin.password,
    });
    const done = await waitForJob(api, t, id, undefined, 60_000);
    expect(done).toMatchObject({ state: "successful", outputArguments: { wrote: total } });
    expect(done.timeline.map((e) => [e.state, e.reason])).toEqual([
      ["pending", "Started through the API"],
      ["running", expect.stringMatching(/^Assigned to session \d+$/)],
      ["running", expect.stringMatching(/^Resumed on session \d+$/)],
      ["successful", "Exited with code 0"],
    ]);
    const lines = (await logsOf(api, t, id, "?limit=10000")).map((l) => l.message);
    expect(lines).toEqual(Array.from({ length: total }, (_, i) => `line ${i + 1}`));
  });
});
