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
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const lineCount = 6100;

/**
 * Times name their zone (the tenant's, the viewer's own on hover); the live log shows dates once
 * a job's lines span two days, keeps at most 5,000 lines and says how many it dropped, and is an
 * `aria-live` log region (issue #12, polish).
 */
describeWithChromium("times and the live log", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let jobId: number;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    expect((await api.put(`${t}/settings`, { timeZone: "Asia/Tokyo" })).status).toBe(200);
    const folder = await api.post(`${t}/folders`, { name: unique("Night") });
    const folderId = folder.body.id as number;
    await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "nightly", version: "1.0.0" }))));
    const process = await api.post(`${t}/folders/${folderId}/processes`, { name: "Nightly", packageName: "nightly" });
    const job = await api.post(`${t}/folders/${folderId}/jobs`, { processId: process.body.id });
    jobId = job.body.items[0].id;
    // The lines of a job that ran across midnight in Tokyo (23:00 → 01:00 JST), written as a robot would.
    const start = Date.parse("2026-03-01T14:00:00.000Z");
    const rows = Array.from({ length: lineCount }, (_, i) => ({
      job_id: jobId,
      tenant_id: org.defaultTenantId,
      folder_id: folderId,
      process_id: process.body.id as number,
      machine_id: null,
      timestamp: new Date(start + Math.round((i * 7_200_000) / lineCount)).toISOString(),
      level: "info" as const,
      message: `line ${i + 1}`,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await server.server.storage.db
        .insertInto("job_logs")
        .values(rows.slice(i, i + 500))
        .execute();
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "shows times in the tenant's zone with the viewer's on hover, and a bounded, dated, aria-live log",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/jobs`);
      const created = page.getByTestId(`job-row-${jobId}`).getByTestId("time");
      await expect.poll(() => created.textContent(), { timeout: 15_000 }).toMatch(/GMT\+9/);
      await created.hover();
      await expect
        .poll(() => page.getByRole("tooltip").textContent(), { timeout: 10_000 })
        .toMatch(/Coordinated Universal Time|GMT|UTC/);

      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/jobs/${jobId}`);
      const log = page.getByTestId("log-lines");
      await log.waitFor();
      expect(await log.getAttribute("role")).toBe("log");
      expect(await log.getAttribute("aria-live")).toBe("polite");
      await expect
        .poll(() => page.getByTestId("logs-dropped").textContent(), { timeout: 30_000 })
        .toContain("1100 earlier lines");
      expect(await page.getByTestId("log-line").count()).toBe(5000);
      expect(await page.getByTestId("log-zone").textContent()).toBe("Times in Asia/Tokyo");
      // The kept lines run from 23:xx on 1 March to 01:00 on 2 March in Tokyo: each shows its date.
      const first = await page.getByTestId("log-time").first().textContent();
      const last = await page.getByTestId("log-time").last().textContent();
      expect(first).toMatch(/^03\/01\/2026, 23:/);
      expect(last).toMatch(/^03\/02\/2026, 0[01]:/);
      expect(await page.getByTestId("log-line").last().textContent()).toContain(`line ${lineCount}`);
      await shot(page, "job-log-bounded-en");

      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("log-zone").textContent()).toBe("Zeiten in Asia/Tokyo");
      expect(await page.getByTestId("logs-dropped").textContent()).toContain("1100 frühere Zeilen");
      expect(await page.getByTestId("log-time").first().textContent()).toMatch(/^01\.03\.2026, 23:/);
      await shot(page, "job-log-bounded-de");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
