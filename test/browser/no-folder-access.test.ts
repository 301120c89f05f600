import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg, type TestUser } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Buttons of the tenant pages that change something: none may show to a user without any role. */
const actions = [
  "new-folder",
  "new-subfolder",
  "start-job",
  "new-process",
  "start-process",
  "new-queue",
  "add-item",
  "upload-items",
  "new-asset",
  "new-bucket",
  "new-trigger",
  "new-calendar",
  "new-machine",
  "upload-package",
  "new-webhook",
  "new-role",
  "edit",
  "delete",
];

const folderPages = ["jobs", "processes", "folders", "queues", "assets", "buckets", "triggers"];
const otherPages = ["machines", "packages", "calendars", "webhooks", "roles", "settings", "alerts", "monitoring"];

/**
 * Issue 12, defect 5: a user without any role in a tenant whose folders hold things sees that
 * they have no access (not "No jobs yet" or "Create the first folder") and no action they may not take.
 */
describeWithChromium("a tenant user without any role", (chromiumPath) => {
  let server: TestServer;
  let browser: BrowserSession;
  let org: TestOrg;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    for (const name of ["Finance", "HR"]) {
      const res = await org.admin.api.post(`${t}/folders`, { name });
      expect(res.status, res.text).toBe(201);
    }
    user = await createUser(org.admin.api, org.slug);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function visibleActions(): Promise<string[]> {
    const shown: string[] = [];
    for (const id of actions) {
      const all = browser.page.getByTestId(id);
      for (let i = 0; i < (await all.count()); i++) if (await all.nth(i).isVisible()) shown.push(id);
    }
    return shown;
  }

  it(
    "says there is no access to any folder instead of empty states, offers no actions, in English and German",
    async () => {
      const { page } = browser;
      await signInAsOrgUser(page, server.url, { organization: org.slug, email: user.email, password: user.password });
      const base = `${server.url}/org/t/${org.defaultTenantId}`;
      for (const [language, title] of [
        ["en", "You have no access to any folder of this tenant — ask an administrator"],
        ["de", "Sie haben keinen Zugriff auf einen Ordner dieses Mandanten – wenden Sie sich an eine Administration"],
      ] as const) {
        if (language === "de") {
          await page.getByTestId("language-switcher").click();
          await page.getByTestId("language-de").click();
          await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("de");
        }
        for (const sub of folderPages) {
          await page.goto(`${base}/${sub}`);
          const notice = page.getByTestId("no-folder-access");
          await notice.waitFor();
          expect(await notice.textContent(), sub).toContain(title);
          for (const falseEmpty of ["jobs-empty", "folders-empty", "no-folders"])
            expect(await page.getByTestId(falseEmpty).count(), `${sub}: ${falseEmpty}`).toBe(0);
          expect(await visibleActions(), `${language} ${sub}`).toEqual([]);
        }
        for (const sub of otherPages) {
          await page.goto(`${base}/${sub}`);
          await page.locator("main").first().waitFor();
          // Let the page's queries answer before looking for buttons.
          await page.waitForLoadState("networkidle");
          expect(await visibleActions(), `${language} ${sub}`).toEqual([]);
        }
      }
    },
    BROWSER_TEST_TIMEOUT * 2,
  );
});
