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
import { putFile } from "../helpers/buckets.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeWithChromium("storage buckets in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "creates a bucket, uploads files by button and by drag and drop, browses directories and deletes a file",
    async () => {
      const { page } = browser;
      const api = org.admin.api;
      const folder = await api.post(`${t}/folders`, { name: unique("Invoices") });
      expect(folder.status, folder.text).toBe(201);
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/buckets?folder=${folder.body.id}`);
      await page.getByTestId("buckets-empty").waitFor();

      // Create: saving without a name names the field.
      await page.getByTestId("new-bucket").first().click();
      const form = page.getByTestId("bucket-form");
      await form.getByTestId("bucket-submit").click();
      await expect.poll(() => form.locator('input[name="name"]').getAttribute("aria-invalid")).toBe("true");
      await form.locator('input[name="name"]').fill("Scans");
      await form.locator('input[name="description"]').fill("Incoming invoices");
      await shot(page, "bucket-form-en");
      await form.getByTestId("bucket-submit").click();
      await form.waitFor({ state: "hidden" });
      const row = page.getByTestId("bucket-row-Scans");
      await row.waitFor();
      const buckets = (await api.get(`${t}/folders/${folder.body.id}/buckets`)).body.items;
      expect(buckets).toMatchObject([{ name: "Scans", description: "Incoming invoices", provider: "local" }]);
      const b = `${t}/buckets/${buckets[0].id}`;
      await shot(page, "buckets-en");

      // Open it and upload with the button.
      await row.getByTestId("open-bucket").click();
      await page.getByTestId("files-empty").waitFor();
      const content = "invoice 1\n".repeat(50_000);
      await page.locator('input[type="file"]').setInputFiles({
        name: "invoice-1.txt",
        mimeType: "text/plain",
        buffer: Buffer.from(content),
      });
      await page.getByTestId("file-row-invoice-1.txt").waitFor();
      const download = await fetch(`${server.url}/api/v1${b}/files/invoice-1.txt`, {
        headers: { authorization: `Bearer ${api.token}` },
      });
      expect(await download.text()).toBe(content);

      // Drag and drop a file onto the browser.
      // (A string: the test's TypeScript has no DOM types.)
      await page.evaluate(`(() => {
        const data = new DataTransfer();
        data.items.add(new File(["dropped"], "dropped.csv", { type: "text/csv" }));
        const zone = document.querySelector('[data-testid="drop-zone"]');
        zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
      })()`);
      await page.getByTestId("file-row-dropped.csv").waitFor();

      // Directories and breadcrumbs.
      expect((await putFile(api, `${b}/files/2026/march/scan.pdf`, "%PDF")).status).toBe(201);
      await page.reload();
      await page.getByTestId("dir-row-2026").click();
      await page.getByTestId("dir-row-march").click();
      await page.getByTestId("file-row-scan.pdf").waitFor();
      expect(await page.getByTestId("breadcrumbs").textContent()).toContain("march");
      await shot(page, "bucket-files-en");
      await page.getByTestId("crumb-root").click();
      await page.getByTestId("file-row-invoice-1.txt").waitFor();

      // Copy a signed link: it downloads without a session.
      await browser.context.grantPermissions(["clipboard-read", "clipboard-write"]);
      const fileRow = page.getByTestId("file-row-dropped.csv");
      await fileRow.getByTestId("row-actions").click();
      await page.getByTestId("copy-link").click();
      await expect
        .poll(() => page.evaluate("navigator.clipboard.readText()") as Promise<string>)
        .toContain("/api/v1/bucket-links/");
      const link = await (page.evaluate("navigator.clipboard.readText()") as Promise<string>);
      expect(await (await fetch(link)).text()).toBe("dropped");

      // Delete.
      await fileRow.getByTestId("row-actions").click();
      await page.getByTestId("delete-file").click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await fileRow.waitFor({ state: "hidden" });
      const left = (await api.get(`${b}/files`)).body.items.map((f: { path: string }) => f.path);
      expect(left).toEqual(["2026/march/scan.pdf", "invoice-1.txt"]);

      // In German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await page.getByTestId("upload-file").filter({ hasText: "Dateien hochladen" }).waitFor();
      expect(await page.getByTestId("nav-buckets").textContent()).toBe("Storage-Buckets");
      await shot(page, "bucket-files-de");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
