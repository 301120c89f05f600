import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Issue #12 polish: a package archive dropped anywhere on the packages page is uploaded. */
describeWithChromium("package upload by drag and drop", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "shows the drop target while a file is dragged over the page and uploads the dropped archive",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/packages`);
      const zone = page.getByTestId("package-drop-zone");
      await page.getByTestId("packages-empty").waitFor();
      const bytes = [...(await tgz(packageFiles(manifest({ name: "dropped", version: "2.1.0" }))))];
      // Runs in the page: its DOM's DataTransfer and File (the test's own types have no DOM).
      const transfer = await page.evaluateHandle((data) => {
        const w = globalThis as unknown as {
          DataTransfer: new () => { items: { add(file: unknown): void } };
          File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
        };
        const dt = new w.DataTransfer();
        dt.items.add(new w.File([new Uint8Array(data)], "dropped-2.1.0.tgz", { type: "application/gzip" }));
        return dt;
      }, bytes);
      await zone.dispatchEvent("dragover", { dataTransfer: transfer });
      await expect.poll(() => zone.getAttribute("data-dragging")).toBe("true");
      expect(await zone.textContent()).toContain("Drop the package archive to upload it");
      await zone.dispatchEvent("drop", { dataTransfer: transfer });
      await page.getByTestId("package-version-dropped-2.1.0").waitFor({ timeout: 20_000 });
      expect(await zone.getAttribute("data-dragging")).toBe("false");
      const listed = await org.admin.api.get(`/orgs/${org.slug}/tenants/${org.defaultTenantId}/packages`);
      expect(listed.body.items.map((p: { name: string }) => p.name)).toEqual(["dropped"]);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
