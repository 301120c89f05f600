import type { Request } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Longer than the old polling intervals (2 s on a job, 3 s on the list while jobs were active). */
const quietMs = 4000;

/**
 * Issue #12 polish: the jobs list and a job's page follow changes over the tenant's change feed
 * (server-sent events), without a reload and without polling. No machine is connected, so the
 * jobs stay pending (active) until they are stopped through the API.
 */
describeWithChromium("live pages over server-sent events", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;
  let folderId: number;
  let processId: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const pkg = manifest({
      name: "idle",
      version: "1.0.0",
      entryPoints: [{ name: "main", command: ["node", "main.js"] }],
    });
    expect((await uploadPackage(api, t, await tgz(packageFiles(pkg)))).status).toBe(201);
    const folder = await api.post(`${t}/folders`, { name: unique("Live") });
    expect(folder.status, folder.text).toBe(201);
    folderId = folder.body.id;
    const p = await api.post(`${t}/folders/${folderId}/processes`, { name: "Idle", packageName: "idle" });
    expect(p.status, p.text).toBe(201);
    processId = p.body.id;
    browser = await launchBrowser(chromiumPath);
    browser.page.on("request", (r: Request) => requests.push(new URL(r.url()).pathname));
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Requests to `path` (exactly) made while `body` runs. */
  async function requestsTo(path: string, body: () => Promise<void>): Promise<number> {
    const from = requests.length;
    await body();
    return requests.slice(from).filter((p) => p === path).length;
  }

  it(
    "shows a job created and stopped through the API on the jobs list, and does not poll meanwhile",
    async () => {
      const { page } = browser;
      const listPath = `/api/v1${t}/jobs`;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/jobs`);
      await page.getByTestId("start-job").first().waitFor();
      // The page's own stream of the tenant's changes, opened once.
      await expect.poll(() => requests.filter((p) => p === `/api/v1${t}/changes`).length).toBe(1);

      const [job] = await startJobs(org.admin.api, t, folderId, { processId });
      if (!job) throw new Error("no job");
      const row = page.getByTestId(`job-row-${job.id}`);
      await row.waitFor();
      expect(await row.getByTestId("job-state").getAttribute("data-state")).toBe("pending");

      // A pending job on screen, nothing changing: the list is not read again.
      const idle = await requestsTo(listPath, () => page.waitForTimeout(quietMs));
      expect(idle).toBe(0);

      const stopped = await org.admin.api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
      expect(stopped.status, stopped.text).toBe(200);
      await expect.poll(() => row.getByTestId("job-state").getAttribute("data-state")).toBe("stopped");
      await shot(page, "live-jobs-list");
      // Still the same page: no reload happened (the stream was opened once).
      expect(requests.filter((p) => p === `/api/v1${t}/changes`).length).toBe(1);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "shows a job stopped through the API on the job's page, and does not poll meanwhile",
    async () => {
      const { page } = browser;
      const [job] = await startJobs(org.admin.api, t, folderId, { processId });
      if (!job) throw new Error("no job");
      const jobPath = `/api/v1${t}/jobs/${job.id}`;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/jobs/${job.id}`);
      const state = page.getByTestId("job-state").first();
      await expect.poll(() => state.getAttribute("data-state")).toBe("pending");

      const idle = await requestsTo(jobPath, () => page.waitForTimeout(quietMs));
      expect(idle).toBe(0);

      const stopped = await org.admin.api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
      expect(stopped.status, stopped.text).toBe(200);
      await expect.poll(() => state.getAttribute("data-state")).toBe("stopped");
      await shot(page, "live-job-detail");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
