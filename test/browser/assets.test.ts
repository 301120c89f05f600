import type { Locator, Page } from "playwright-core";
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
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Picks `label` in a Mantine Select (the options live in a portal); a click lost in a modal's opening is repeated. */
async function choose(page: Page, input: Locator, label: string | RegExp): Promise<void> {
  const option = page.getByRole("option", { name: label }).first();
  await expect
    .poll(
      async () => {
        if (!(await option.isVisible())) await input.click({ force: true });
        return option.isVisible();
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(true);
  await option.click();
}

describeWithChromium("assets in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;
  let assetsUrl: string;
  let machineName: string;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await org.admin.api.post(`${t}/folders`, { name: unique("Finance") });
    machineName = unique("robot");
    await org.admin.api.post(`${t}/machines`, { name: machineName, slots: 1, folderIds: [folder.body.id] });
    assetsUrl = `${server.url}/org/t/${org.defaultTenantId}/assets?folder=${folder.body.id}`;
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "creates a credential and a text asset, sets a machine's value, searches, deletes — the password never shows; in German too",
    async () => {
      const { page } = browser;
      const password = `Pw-${unique("secret")}`;
      const machinePassword = `Pw-${unique("machine")}`;
      await page.goto(assetsUrl);
      await page.getByTestId("assets-empty").waitFor();

      // A credential: user name and a write-only password.
      await page.getByTestId("new-asset").first().click();
      const form = page.getByTestId("asset-form");
      await form.getByTestId("asset-name").fill("ErpLogin");
      await choose(page, form.getByTestId("asset-type"), "Credential");
      // Saving without the password names the field.
      await form.getByTestId("value-username").fill("robot@erp");
      await form.getByTestId("asset-submit").click();
      // (Mantine's PasswordInput marks its wrapper, not the input, so the message is what is checked.)
      await expect.poll(() => form.textContent()).toContain("This field is required.");
      await form.locator('input[name="value.password"]').fill(password);
      await shot(page, "assets-credential-form-en");
      await form.getByTestId("asset-submit").click();
      await form.waitFor({ state: "hidden" });
      const credRow = page.getByTestId("asset-row-ErpLogin");
      await expect.poll(() => credRow.textContent()).toContain("robot@erp");
      expect(await credRow.textContent()).toContain("Credential");

      // A text asset.
      await page.getByTestId("new-asset").first().click();
      await form.getByTestId("asset-name").fill("BaseUrl");
      await form.getByTestId("value-text").fill("https://erp.example.com");
      await form.getByTestId("asset-submit").click();
      await form.waitFor({ state: "hidden" });
      await expect.poll(() => page.getByTestId("asset-row-BaseUrl").textContent()).toContain("https://erp.example.com");

      // Edit the credential: the password field starts empty; a machine gets its own value.
      await credRow.getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      expect(await form.locator('input[name="value.password"]').inputValue()).toBe("");
      expect(await form.getByTestId("value-username").inputValue()).toBe("robot@erp");
      const machineForm = page.getByTestId("machine-value-form");
      await choose(page, machineForm.getByTestId("machine-value-machine"), machineName);
      await machineForm.getByTestId("machine-value-username").fill("robot-2@erp");
      await machineForm.locator('input[name="value.password"]').fill(machinePassword);
      await machineForm.getByTestId("machine-value-submit").click();
      const machineRow = page.getByTestId(`machine-value-${machineName}`);
      await expect.poll(() => machineRow.textContent()).toContain("robot-2@erp");
      await shot(page, "assets-edit-en");
      // Saving the asset with an empty password keeps the stored one.
      await form.getByTestId("asset-submit").click();
      await form.waitFor({ state: "hidden" });
      await expect.poll(() => credRow.textContent()).toContain("1 machine");
      const stored = (await org.admin.api.get(`${t}/folders/${new URL(assetsUrl).searchParams.get("folder")}/assets`))
        .body.items as { name: string; value: unknown; machineValues: { value: unknown }[] }[];
      const cred = stored.find((a) => a.name === "ErpLogin");
      expect(cred?.value).toEqual({ username: "robot@erp", hasPassword: true });
      expect(cred?.machineValues[0]?.value).toEqual({ username: "robot-2@erp", hasPassword: true });
      await shot(page, "assets-list-en");

      // Search.
      await page.getByTestId("assets-search").fill("base");
      await expect.poll(() => page.getByTestId("assets-table").locator("tbody tr").count()).toBe(1);
      await page.getByTestId("assets-search").fill("");
      await expect.poll(() => page.getByTestId("assets-table").locator("tbody tr").count()).toBe(2);

      // Delete.
      await page.getByTestId("asset-row-BaseUrl").getByTestId("row-actions").click();
      await page.getByTestId("delete").click();
      await page.getByTestId("confirm-button").click();
      await page.getByTestId("asset-row-BaseUrl").waitFor({ state: "detached" });

      // The page never held a password.
      const html = await page.content();
      expect(html).not.toContain(password);
      expect(html).not.toContain(machinePassword);

      // German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => credRow.textContent()).toContain("Anmeldedaten");
      expect(await page.getByTestId("nav-assets").textContent()).toBe("Assets");
      await shot(page, "assets-list-de");
      await credRow.getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await expect.poll(() => page.getByTestId("asset-modal").textContent()).toContain("Werte pro Maschine");
      await shot(page, "assets-edit-de");
      expect(await page.content()).not.toContain(password);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
