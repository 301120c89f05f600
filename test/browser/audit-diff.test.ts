import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Issue #12 polish: an audit entry's details as a labelled before/after table, not raw JSON. */
describeWithChromium("audit details", (chromiumPath) => {
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
    "shows a changed user as labelled fields with before and after, the changed ones marked, in English and German",
    async () => {
      const user = await createUser(org.admin.api, org.slug);
      const res = await org.admin.api.patch(`/orgs/${org.slug}/users/${user.id}`, {
        name: "Renamed Person",
        role: "org_admin",
      });
      expect(res.status, res.text).toBe(200);
      const disabled = await createUser(org.admin.api, org.slug);
      const off = await org.admin.api.patch(`/orgs/${org.slug}/users/${disabled.id}`, { status: "disabled" });
      expect(off.status, off.text).toBe(200);
      const { page } = browser;
      await page.goto(`${server.url}/org/audit`);
      const entry = page.locator('[data-testid^="audit-row-"][data-action="Update"]', { hasText: user.email }).first();
      await entry.click();
      const diff = page.getByTestId("audit-diff");
      await diff.waitFor();
      const role = diff.getByTestId("audit-diff-role");
      expect(await role.getAttribute("data-changed")).toBe("true");
      const cells = await role.locator("td").allTextContents();
      // Stored codes in words, not `user` / `org_admin`; times through <Time>, not ISO strings.
      expect(cells).toEqual(["Role", "User", "Organization administrator"]);

      const name = await diff.getByTestId("audit-diff-name").locator("td").allTextContents();
      expect(name[0]).toBe("Name");
      expect(name[2]).toBe("Renamed Person");
      // The raw JSON is there on request only.
      expect(await page.getByTestId("audit-after").count()).toBe(0);
      await page.getByTestId("audit-raw-toggle").click();
      await page.getByTestId("audit-after").waitFor();
      await shot(page, "audit-diff-en");
      await page.keyboard.press("Escape");

      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await entry.click();
      await diff.waitFor();
      await expect.poll(() => diff.getByTestId("audit-diff-role").locator("td").first().textContent()).toBe("Rolle");
      expect(await diff.locator("th").allTextContents()).toEqual(["Feld", "Vorher", "Nachher"]);
      expect(await diff.getByTestId("audit-diff-role").locator("td").allTextContents()).toEqual([
        "Rolle",
        "Benutzer",
        "Organisationsadministrator",
      ]);
      await shot(page, "audit-diff-de");
      await page.keyboard.press("Escape");
      // A deactivated user: the account status in words too.
      await page
        .locator('[data-testid^="audit-row-"][data-action="Deactivate"]', { hasText: disabled.email })
        .first()
        .click();
      await diff.waitFor();
      await expect
        .poll(() => diff.getByTestId("audit-diff-status").locator("td").allTextContents())
        .toEqual(["Status", "Aktiv", "Deaktiviert"]);
      await page.keyboard.press("Escape");
      // A created user: times through <Time> (the tenant-less org zone), yes/no in words, no ISO strings.
      await page.locator('[data-testid^="audit-row-"][data-action="Create"]', { hasText: user.email }).first().click();
      await diff.waitFor();
      const created = diff.getByTestId("audit-diff-createdAt");
      await expect.poll(() => created.locator("time").count()).toBe(1);
      expect(await created.textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
      expect(await diff.getByTestId("audit-diff-role").locator("td").allTextContents()).toEqual([
        "Rolle",
        "—",
        "Benutzer",
      ]);
      const hasPassword = await diff.getByTestId("audit-diff-hasPassword").locator("td").allTextContents();
      expect(hasPassword[0]).toBe("Passwort gesetzt");
      expect(hasPassword[2]).toMatch(/^(Ja|Nein)$/);
      expect(await created.locator("td").first().textContent()).toBe("Angelegt");
      // A language by its own name, not its code.
      expect(await diff.getByTestId("audit-diff-locale").locator("td").allTextContents()).toEqual([
        "Sprache",
        "—",
        "English",
      ]);
      await shot(page, "audit-diff-created-de");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
