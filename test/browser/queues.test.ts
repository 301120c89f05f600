import { afterAll, beforeAll, expect, it } from "vitest";
import type { Api } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeWithChromium("queues in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let api: Api;
  let browser: BrowserSession;
  let t: string;
  let folderId: number;
  let queueId: number;
  let failedId: number;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    api = org.admin.api;
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    folderId = (await api.post(`${t}/folders`, { name: "Finance" })).body.id;
    const q = await api.post(`${t}/folders/${folderId}/queues`, { name: "Invoices", slaMinutes: 600, maxRetries: 0 });
    expect(q.status, q.text).toBe(201);
    queueId = q.body.id;
    const items = Array.from({ length: 6 }, (_, i) => ({
      specificContent: { invoice: `INV-${i + 1}` },
      reference: `INV-${i + 1}`,
    }));
    await api.post(`${t}/queues/${queueId}/items/bulk`, { commitType: "allOrNothing", items });
    for (let i = 0; i < 3; i++) {
      const started = await api.post(`${t}/queues/${queueId}/transactions`, {});
      const result =
        i === 2
          ? { status: "failed", exceptionType: "application", reason: "Timeout talking to ERP", details: "at step 3" }
          : { status: "successful", output: { booked: true } };
      const res = await api.post(`${t}/queue-items/${started.body.id}/result`, result);
      if (i === 2) failedId = res.body.id;
    }
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "lists queues with counts, opens the items table, filters by status, shows an item's details, adds items by hand and from CSV",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/queues?folder=${folderId}`);
      const row = page.getByTestId("queue-row-Invoices");
      await row.waitFor();
      expect(await row.getByTestId("count-new").textContent()).toBe("3");
      expect(await row.getByTestId("count-successful").textContent()).toBe("2");
      expect(await row.getByTestId("count-failed").textContent()).toBe("1");
      expect(await row.getByTestId("sla").getAttribute("data-colour")).toBe("green");
      expect(await page.getByTestId("nav-queues").getAttribute("aria-current")).toBe("page");
      await shot(page, "queues-list");

      await row.getByTestId("queue-link").click();
      const table = page.getByTestId("items-table");
      await table.waitFor();
      await expect.poll(() => table.locator("tbody tr").count(), { timeout: 15_000 }).toBe(6);

      // Filter by status through the URL-backed select.
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/queues/${queueId}?status=failed`);
      await expect.poll(() => page.getByTestId("items-table").locator("tbody tr").count(), { timeout: 15_000 }).toBe(1);
      await page.getByTestId(`item-row-${failedId}`).click();
      const drawer = page.getByTestId("item-drawer");
      await drawer.getByTestId("item-exception").waitFor();
      expect(await drawer.getByTestId("item-exception").textContent()).toContain("Timeout talking to ERP");
      expect(await drawer.getByTestId("item-content").textContent()).toContain("INV-3");
      expect(await drawer.getByTestId("item-history").textContent()).toMatch(/Created.*Started.*Result/s);
      await shot(page, "queue-item-drawer");
      await drawer.getByTestId("retry-item").click();
      await expect
        .poll(async () => (await api.get(`${t}/queue-items/${failedId}`)).body.status, { timeout: 15_000 })
        .toBe("retried");
      await page.keyboard.press("Escape");

      // Add an item by hand.
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/queues/${queueId}`);
      await page.getByTestId("add-item").click();
      const modal = page.getByTestId("add-item-modal");
      await modal.getByTestId("item-content-input").fill('{"invoice": "HAND-1"}');
      await modal.getByTestId("item-reference-input").fill("HAND-1");
      // A click in the modal's opening transition can be lost on a loaded machine: click again
      // only while the dialog is open and the server has no such item, so it is never added twice.
      const handItems = async () =>
        (await api.get(`${t}/queues/${queueId}/items?reference=HAND-1`)).body.items.length as number;
      await modal.getByTestId("add-item-submit").click();
      for (let attempt = 1; ; attempt++) {
        try {
          await modal.waitFor({ state: "hidden", timeout: 5000 });
          break;
        } catch {
          if (attempt === 6) throw new Error("The add-item dialog did not close within 30 s");
          if ((await handItems()) === 0) await modal.getByTestId("add-item-submit").click();
        }
      }
      expect(await handItems()).toBe(1);

      // Upload CSV: one bad row is reported with its row number.
      await page.getByTestId("upload-items").click();
      const upload = page.getByTestId("upload-modal");
      await upload.locator('input[type="file"]').setInputFiles({
        name: "items.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("Reference,Priority,Amount\nCSV-1,High,10\nCSV-2,Urgent,20\nCSV-3,,30\n"),
      });
      await upload.getByTestId("upload-submit").click();
      await upload.getByTestId("upload-result").waitFor();
      expect(await upload.getByTestId("upload-result").textContent()).toContain("2 added, 1 failed");
      expect(await upload.getByTestId("upload-errors").textContent()).toContain("Priority");
      await shot(page, "queue-upload");
      await page.keyboard.press("Escape");

      const href = await page.getByTestId("export-items").getAttribute("href");
      expect(href).toBe(`/api/v1${t}/queues/${queueId}/items.csv`);
      await expect
        .poll(() => page.getByTestId("items-table").locator("tbody tr").count(), { timeout: 15_000 })
        .toBe(10);
      await shot(page, "queue-items");

      // In German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect
        .poll(() => page.getByTestId("add-item").textContent(), { timeout: 15_000 })
        .toBe("Element hinzufügen");
      expect(await page.getByTestId("nav-queues").textContent()).toBe("Warteschlangen");
      await shot(page, "queue-items-de");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
