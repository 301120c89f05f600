import type { Page } from "playwright-core";
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
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Tables (issue #12, polish): sortable columns, search, totals, page sizes and bulk actions on
 * jobs and users; search and sort on machines and packages.
 */
describeWithChromium("list tables", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;
  const jobIds: number[] = [];

  beforeAll(async () => {
    // No dispatcher: the jobs stay pending until stopped.
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: unique("Finance") });
    const folderId = folder.body.id as number;
    const processIds: number[] = [];
    for (const name of ["invoices", "payroll"]) {
      await uploadPackage(api, t, await tgz(packageFiles(manifest({ name, version: "1.0.0" }))));
      const p = await api.post(`${t}/folders/${folderId}/processes`, { name: `${name}-run`, packageName: name });
      expect(p.status, p.text).toBe(201);
      processIds.push(p.body.id);
    }
    for (const [i, priority] of [10, 70, 40, 90, 20].entries()) {
      const res = await api.post(`${t}/folders/${folderId}/jobs`, { processId: processIds[i % 2], priority });
      expect(res.status, res.text).toBe(201);
      jobIds.push(res.body.items[0].id);
    }
    for (const name of ["Robot Berlin", "Robot Athens", "Robot Cairo"]) {
      const m = await api.post(`${t}/machines`, { name, slots: 1, folderIds: [folderId] });
      expect(m.status, m.text).toBe(201);
    }
    for (const name of ["Xaver Xylo", "Berta Bulk", "Carl Bulk"]) {
      const u = await api.post(`/orgs/${org.slug}/users`, {
        email: `${name.split(" ")[0]?.toLowerCase()}-${unique("u")}@example.com`,
        name,
        password: newPassword(),
      });
      expect(u.status, u.text).toBe(201);
    }
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rowIds = async (page: Page) =>
    page
      .getByTestId("jobs-table")
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-testid")?.replace("job-row-", ""))));

  it(
    "sorts, searches, counts and pages jobs, and stops the selected ones",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/jobs`);
      await page.getByTestId("jobs-table").waitFor();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("5 in total");

      await page.getByTestId("sort-priority").getByRole("button").click();
      await expect.poll(() => page.getByTestId("sort-priority").getAttribute("aria-sort")).toBe("ascending");
      await expect.poll(() => rowIds(page)).toEqual([jobIds[0], jobIds[4], jobIds[2], jobIds[1], jobIds[3]]);
      await page.getByTestId("sort-priority").getByRole("button").click();
      await expect.poll(() => rowIds(page)).toEqual([jobIds[3], jobIds[1], jobIds[2], jobIds[4], jobIds[0]]);
      expect(page.url()).toContain("sort=-priority");

      await page.getByTestId("table-search").fill("payroll");
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("2 in total");
      await expect.poll(() => rowIds(page)).toEqual([jobIds[3], jobIds[1]]);
      await shot(page, "jobs-table-en");
      await page.getByTestId("table-search").fill("");
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("5 in total");

      // A row ticked before the page size changes stays ticked: the rows stay while the new page loads.
      const first = page.getByTestId(`job-row-${jobIds[3]}`).getByTestId("select-row");
      const second = page.getByTestId(`job-row-${jobIds[1]}`).getByTestId("select-row");
      await first.check();
      await page.getByTestId("page-size").click();
      await page.getByRole("option", { name: "25" }).click();
      expect(page.url()).toContain("size=25");
      await expect.poll(() => page.getByTestId("jobs-table").getAttribute("aria-busy")).toBe("false");
      expect(await first.isChecked()).toBe(true);

      // Stop two pending jobs at once.
      await second.check();
      await expect.poll(() => page.getByTestId("bulk-actions").textContent()).toContain("2 selected");
      await page.getByTestId("stop-selected").click();
      await expect
        .poll(async () => {
          const states = await Promise.all(
            [jobIds[3], jobIds[1]].map(async (id) => (await org.admin.api.get(`${t}/jobs/${id}`)).body.state),
          );
          return states;
        })
        .toEqual(["stopped", "stopped"]);
      await expect.poll(() => page.getByTestId("bulk-actions").count()).toBe(0);
      expect((await org.admin.api.get(`${t}/jobs/${jobIds[0]}`)).body.state).toBe("pending");

      // German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("5 insgesamt");
      await page.getByTestId(`job-row-${jobIds[0]}`).getByTestId("select-row").check();
      await expect.poll(() => page.getByTestId("bulk-actions").textContent()).toContain("1 ausgewählt");
      expect(await page.getByTestId("stop-selected").textContent()).toBe("Ausgewählte anhalten");
      await shot(page, "jobs-table-de");
      await page.getByTestId(`job-row-${jobIds[0]}`).getByTestId("select-row").uncheck();
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-en").click();
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "searches and sorts users and disables and removes the selected ones (never the signed-in user)",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/users`);
      await page.getByTestId("users-table").waitFor();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("4 in total");
      // The signed-in administrator cannot be picked.
      expect(await page.getByTestId(`user-row-${org.admin.email}`).getByTestId("select-row").isDisabled()).toBe(true);

      await page.getByTestId("sort-name").getByRole("button").click();
      await page.getByTestId("table-search").fill("bulk");
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("2 in total");
      const names = async () =>
        page.getByTestId("users-table").locator("tbody tr td:nth-child(2) p:first-child").allTextContents();
      await expect.poll(names).toEqual(["Berta Bulk", "Carl Bulk"]);
      await page.getByTestId("select-all").check();
      await page.getByTestId("disable-selected").click();
      await page.getByTestId("confirm-button").click();
      await expect
        .poll(async () => {
          const users = (await org.admin.api.get(`/orgs/${org.slug}/users?q=bulk`)).body.items;
          return users.map((u: { status: string }) => u.status);
        })
        .toEqual(["disabled", "disabled"]);
      // The page clears the selection once its bulk action has its answers, which may come after
      // the server shows the change: selecting again before that would be undone by the clearing.
      await expect.poll(() => page.getByTestId("bulk-actions").count(), { timeout: 30_000 }).toBe(0);
      await shot(page, "users-table-en");

      await page.getByTestId("select-all").check();
      await page.getByTestId("delete-selected").click();
      await page.getByTestId("confirm-button").click();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("0 in total");
      expect((await org.admin.api.get(`/orgs/${org.slug}/users`)).body.total).toBe(2);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "searches and sorts machines and packages in the browser, in German",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/machines`);
      await page.getByTestId("machines-table").waitFor();
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("3 insgesamt");
      const machineNames = () =>
        page
          .getByTestId("machines-table")
          .locator("tbody tr")
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")?.replace("machine-row-", "")));
      await page.getByTestId("sort-name").getByRole("button").click();
      await expect.poll(machineNames).toEqual(["Robot Athens", "Robot Berlin", "Robot Cairo"]);
      await page.getByTestId("sort-name").getByRole("button").click();
      await expect.poll(machineNames).toEqual(["Robot Cairo", "Robot Berlin", "Robot Athens"]);
      await page.getByTestId("table-search").fill("berl");
      await expect.poll(machineNames).toEqual(["Robot Berlin"]);
      await shot(page, "machines-table-de");

      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/packages`);
      await page.getByTestId("packages-table").waitFor();
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("2 insgesamt");
      await page.getByTestId("table-search").fill("payr");
      await expect.poll(() => page.getByTestId("table-total").textContent()).toBe("1 insgesamt");
      expect(await page.getByTestId("package-invoices").count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
