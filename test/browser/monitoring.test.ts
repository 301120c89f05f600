import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { type Api, unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsAdmin,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startJobs, waitForJob } from "../helpers/jobs.js";
import { manifest, uploadPackage, zip } from "../helpers/packages.js";
import { startTestServer, type TestServer, testAdminPassword } from "../helpers/server.js";

const sleepMain = `import fs from "node:fs";
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
await new Promise((r) => setTimeout(r, input.ms ?? 0));
if (input.code) console.error("Could not reach the ERP");
process.exit(input.code ?? 0);
`;

/** Waits until the element's text is `text` (the page updates by itself; the test never reloads). */
async function waitForText(page: Page, testId: string, text: string) {
  await expect.poll(async () => (await page.getByTestId(testId).textContent())?.trim(), { timeout: 60_000 }).toBe(text);
}

describeWithChromium("monitoring dashboards in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let t: string;
  let folderId: number;
  let processId: number;
  let agentTmp: string;

  beforeAll(async () => {
    agentTmp = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-monitoring-ui-"));
    server = await startTestServer({ env: { DIRIGENT_ROBOT_HEARTBEAT_SECONDS: "1" } });
    org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    folderId = (await api.post(`${t}/folders`, { name: "Finance" })).body.id;
    const files = {
      "dirigent.json": JSON.stringify(
        manifest({ name: "sleeper", version: "1.0.0", entryPoints: [{ name: "main", command: ["node", "main.js"] }] }),
      ),
      "main.js": sleepMain,
    };
    expect((await uploadPackage(api, t, zip(files))).status).toBe(201);
    const p = await api.post(`${t}/folders/${folderId}/processes`, { name: "Book invoices", packageName: "sleeper" });
    processId = p.body.id;
    const machine = await api.post(`${t}/machines`, { name: unique("robot"), slots: 2, folderIds: [folderId] });
    const agent = spawnAgent({ url: server.url, key: machine.body.key, env: { TMPDIR: agentTmp } });
    await agent.waitFor(/^Connected to /, { timeoutMs: 60_000 });
    // Some history: one faulted job, and a queue with an item done and two waiting.
    const [faulted] = await startJobs(api, t, folderId, { processId, inputArguments: { code: 2 } });
    await waitForJob(api, t, faulted?.id as number);
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Invoices", slaMinutes: 60 });
    await api.post(`${t}/queues/${q.body.id}/items/bulk`, {
      commitType: "allOrNothing",
      items: [1, 2, 3].map((i) => ({ specificContent: { n: i } })),
    });
    const started = await api.post(`${t}/queues/${q.body.id}/transactions`, {});
    await api.post(`${t}/queue-items/${started.body.id}/result`, { status: "successful" });
    await server.server.services.monitoringSampler.sample();
  });

  afterAll(async () => {
    await killAllAgents();
    await server?.stop();
    if (agentTmp) fs.rmSync(agentTmp, { recursive: true, force: true });
  });

  for (const language of ["en", "de"] as const) {
    it(
      `the tenant dashboard updates live while a job runs (${language})`,
      async () => {
        let browser: BrowserSession | null = null;
        try {
          browser = await launchBrowser(chromiumPath, { locale: language === "de" ? "de-DE" : "en-US" });
          const { page } = browser;
          await api.patch("/me", { locale: language });
          await signInAsOrgAdmin(page, server.url, org);
          await page.goto(`${server.url}/org/t/${org.defaultTenantId}/monitoring`);
          await page.getByTestId("monitoring-status").and(page.locator('[data-status="live"]')).waitFor();
          expect(await page.locator("html").getAttribute("lang")).toBe(language);
          await expect
            .poll(() => page.getByTestId("nav-monitoring").textContent())
            .toBe(language === "de" ? "Überwachung" : "Monitoring");
          const finished = Number(await page.getByTestId("stat-finished-value").textContent());
          await waitForText(page, "stat-running-value", "0");

          const [job] = await startJobs(api, t, folderId, { processId, inputArguments: { ms: 4000 } });
          // Running, then finished: the page learns both over its event stream, without a reload.
          await waitForText(page, "stat-running-value", "1");
          await page.getByTestId("longest-running").getByText("Book invoices").waitFor();
          await shot(page, `monitoring-jobs-running-${language}`);
          await waitForJob(api, t, job?.id as number);
          await waitForText(page, "stat-finished-value", String(finished + 1));
          await waitForText(page, "stat-running-value", "0");
          expect(await page.getByTestId("most-faulted").textContent()).toContain("Could not reach the ERP");
          expect(await page.getByTestId("chart-finished").locator(".recharts-bar-rectangle").count()).toBeGreaterThan(
            0,
          );
          await shot(page, `monitoring-jobs-${language}`);

          await page.getByTestId("monitoring-tab-machines").click();
          await page.getByTestId("machine-sessions").waitFor();
          expect(await page.getByTestId("stat-robots-available-value").textContent()).toBe("1");
          await shot(page, `monitoring-machines-${language}`);

          await page.getByTestId("monitoring-tab-queues").click();
          await page.getByTestId("queue-health").getByText("Invoices").waitFor();
          await shot(page, `monitoring-queues-${language}`);

          await page
            .getByTestId("monitoring-range")
            .getByText(language === "de" ? "Letzte 7 Tage" : "Last 7 days")
            .click();
          await page.getByTestId("monitoring-tab-jobs").click();
          await page.getByTestId("chart-finished").waitFor();
          await shot(page, `monitoring-7d-${language}`);
        } finally {
          await browser?.close();
        }
      },
      BROWSER_TEST_TIMEOUT,
    );
  }

  it(
    "the host dashboard shows the installation to system administrators",
    async () => {
      const browser = await launchBrowser(chromiumPath);
      try {
        const { page } = browser;
        await signInAsAdmin(page, server.url, "admin", testAdminPassword);
        await page.getByTestId("nav-monitoring").click();
        await page.getByTestId("connected-tenants").getByText(org.name).waitFor();
        expect(Number(await page.getByTestId("stat-robots-value").textContent())).toBeGreaterThanOrEqual(1);
        await shot(page, "monitoring-host");
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
