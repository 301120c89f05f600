import type { Locator } from "playwright-core";
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

/** A version as long as a manifest allows it to be nearly (64 characters at most). */
const longVersion = "12.340.5678-release-candidate.20261205.17-nightly-build";

/** Whether an element's text fits its box: nothing hidden by overflow or an ellipsis. */
function fits(locator: Locator): Promise<string> {
  return locator.evaluate((el) =>
    el.scrollWidth <= el.clientWidth + 1 ? "fits" : `${el.scrollWidth} > ${el.clientWidth}`,
  );
}

/** Issue #12 polish: the process form's version selector shows whole versions, not cut-off ones. */
describeWithChromium("the process form's version selector", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    expect(folder.status, folder.text).toBe(201);
    for (const version of ["1.0.0", longVersion]) {
      const res = await uploadPackage(
        api,
        t,
        await tgz(
          packageFiles(
            manifest({ name: "reporting", version, entryPoints: [{ name: "main", command: ["node", "main.js"] }] }),
          ),
        ),
      );
      expect(res.status, res.text).toBe(201);
    }
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "shows the longest version and the 'always the latest' label in full, in English and German",
    async () => {
      const { page } = browser;
      for (const [language, latest] of [
        ["en", `Always the latest (${longVersion})`],
        ["de", `Immer die neueste (${longVersion})`],
      ] as const) {
        if (language === "de") {
          await page.getByTestId("language-switcher").click();
          await page.getByTestId("language-de").click();
        }
        await page.goto(`${server.url}/org/t/${org.defaultTenantId}/processes`);
        await page.getByTestId("new-process").first().click();
        const form = page.getByTestId("process-form");
        await form.getByTestId("process-package").click();
        await page.getByRole("option", { name: "reporting" }).click();
        const input = form.getByTestId("process-version");
        await expect.poll(() => input.inputValue()).toBe(latest);
        await expect.poll(() => fits(input)).toBe("fits");

        await input.click();
        const options = page.getByRole("option");
        await expect.poll(() => options.allTextContents()).toEqual([latest, longVersion, "1.0.0"]);
        for (const option of await options.all()) expect(await fits(option)).toBe("fits");
        // The list itself is inside the window, not cut off at its right edge.
        const box = await page.getByRole("listbox").boundingBox();
        expect(box && box.x + box.width).toBeLessThanOrEqual(1360);
        await shot(page, `process-version-${language}`);
        await page.getByRole("option", { name: longVersion, exact: true }).click();
        await expect.poll(() => input.inputValue()).toBe(longVersion);
        await expect.poll(() => fits(input)).toBe("fits");
        await page.keyboard.press("Escape");
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
