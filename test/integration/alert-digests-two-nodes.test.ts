import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { createPostgresDatabase, testDatabases } from "../helpers/database.js";
import { outboxTo, plainSettings } from "../helpers/email.js";
import { createOrg, createUser } from "../helpers/fixtures.js";
import { startTestServer, TestClock, type TestServer } from "../helpers/server.js";
import { startSmtpServer } from "../helpers/smtp.js";

const tenMinutes = 600_000;

/**
 * Digests and daily summaries on two nodes of one PostgreSQL database: both nodes run the
 * digest sweep at the same moments, many times over, and every user still gets each digest once
 * (the claim row per user, tenant, kind and period is written in the outbox row's transaction).
 */
describe.skipIf(!testDatabases().includes("postgres"))("alert digests on two nodes of one PostgreSQL database", () => {
  it("sends each 10-minute digest and each daily summary exactly once", { timeout: 120_000 }, async () => {
    const database = await createPostgresDatabase();
    const dataDirs = [1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-node-")));
    const clock = new TestClock();
    const masterKey = randomBytes(32).toString("base64");
    const smtp = await startSmtpServer();
    const nodes: TestServer[] = [];
    try {
      for (const dataDir of dataDirs)
        nodes.push(
          await startTestServer({
            database: "postgres",
            clock,
            reuse: { dataDir, databaseUrl: database.url },
            // Nodes of one installation share its master key (the unsubscribe links are sealed with it).
            env: { DIRIGENT_SERVICES: "mail", DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_MASTER_KEY: masterKey },
          }),
        );
      const [a, b] = nodes as [TestServer, TestServer];
      const host = await new Api(a.url).as({ username: "admin", password: a.adminPassword });
      expect((await host.put("/host/settings/email", plainSettings(smtp))).status).toBe(200);
      const org = await createOrg(host);
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const items = ["jobs", "robots", "queues", "triggers", "system"].map((component) => ({
        component,
        inApp: "info",
        email: null,
        digest: "error",
        summary: "info",
      }));
      const users = [];
      for (let i = 0; i < 6; i++) {
        const u = await createUser(org.admin.api, org.slug, { role: "org_admin" });
        expect((await u.api.put(`${t}/alerts/preferences`, { items })).status).toBe(200);
        users.push(u);
      }
      const now = clock.now().getTime();
      clock.advance(Math.ceil((now + 1) / tenMinutes) * tenMinutes + 1000 - now);
      const services = a.server.services;
      for (let i = 0; i < 5; i++)
        await services.alerts.raiseKind(
          services.ctx.db,
          "job-faulted",
          { tenantId: org.defaultTenantId, link: `/jobs/${i}` },
          { jobId: i, processName: "P", error: "e" },
        );
      clock.advance(tenMinutes + 6000);

      // Both nodes sweep at once, three times each: batches and summaries.
      const runs = await Promise.all([a, b, a, b, a, b].map((n) => n.server.services.alertDigests.batches()));
      expect(runs.reduce((x, y) => x + y, 0)).toBe(users.length);
      // Mails in flight when the clock jumps hours ahead would look like dead senders' leases.
      await smtp.waitFor(users.length, 30_000);
      // The daily summary: move to the next 07:00 UTC (the default tenant zone) and sweep on both.
      const next7 = new Date(clock.now());
      next7.setUTCHours(7, 1, 0, 0);
      if (next7.getTime() <= clock.now().getTime()) next7.setUTCDate(next7.getUTCDate() + 1);
      clock.advance(next7.getTime() - clock.now().getTime());
      const summaries = await Promise.all([a, b, a, b].map((n) => n.server.services.alertDigests.summaries()));
      expect(summaries.reduce((x, y) => x + y, 0)).toBe(users.length);

      const outbox = `/orgs/${org.slug}/email/outbox`;
      // Up to a day passed on the clock: sessions expired; sign in again.
      const admin = await new Api(b.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      for (const u of users) {
        const templates = (await outboxTo(admin, outbox, u.email)).map((o: { template: string }) => o.template);
        expect(templates.sort()).toEqual(["alert-digest", "alert-summary"]);
      }
      await smtp.waitFor(users.length * 2, 30_000).catch(async (error) => {
        const all = await admin.get(`${outbox}?limit=200`);
        throw new Error(
          `${(error as Error).message}: ${JSON.stringify(all.body.items.map((i: Record<string, unknown>) => [i.status, i.template, i.lastError, i.attempts]))}`,
        );
      });
      for (const u of users) expect(smtp.to(u.email)).toHaveLength(2);
    } finally {
      for (const n of nodes) await n.stop({ keepData: true });
      await database.drop();
      for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
      await smtp.close();
    }
  });
});
