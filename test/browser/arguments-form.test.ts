import { afterAll, beforeAll, expect, it } from "vitest";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const inputSchema = {
  type: "object",
  properties: {
    customer: { type: "string" },
    count: { type: "integer" },
    dryRun: { type: "boolean" },
    region: { enum: ["eu", "us"] },
    options: { type: "object" },
  },
  required: ["customer"],
};

/** Issue #12 polish: input arguments as a typed form from the entry point's inputSchema, JSON as an alternative. */
describeWithChromium("the typed input-arguments form", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    await uploadPackage(
      api,
      t,
      await tgz(
        packageFiles(
          manifest({
            name: "billing",
            version: "1.0.0",
            entryPoints: [{ name: "main", command: ["node", "main.js"], inputSchema }],
          }),
        ),
      ),
    );
    const p = await api.post(`${t}/folders/${folder.body.id}/processes`, {
      name: "Billing",
      packageName: "billing",
      inputArguments: { customer: "Default" },
    });
    expect(p.status, p.text).toBe(201);
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "fills text, number, yes/no, a choice and nested JSON, shows the same values as JSON, and starts the job with them",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/processes`);
      await page.getByTestId("process-row-Billing").getByTestId("start-process").click();
      const form = page.getByTestId("start-job-form");
      const fields = form.getByTestId("arguments-form");
      await fields.waitFor();
      await fields.getByTestId("arg-customer").fill("ACME");
      await fields.getByTestId("arg-count").fill("3");
      await fields.getByTestId("arg-dryRun").check({ force: true });
      await fields.getByTestId("arg-region").click();
      await page.getByRole("option", { name: "eu" }).click();
      await fields.getByTestId("arg-options").fill('{"fast": true}');
      await form.getByTestId("arguments-mode").getByText("JSON").click();
      const raw = await form.getByTestId("start-input").inputValue();
      expect(JSON.parse(raw)).toEqual({
        customer: "ACME",
        count: 3,
        dryRun: true,
        region: "eu",
        options: { fast: true },
      });
      await form.getByTestId("start-job-submit").click();
      await form.waitFor({ state: "hidden" });
      const jobs = await org.admin.api.get(`${t}/jobs`);
      expect(jobs.body.items[0].inputArguments).toEqual({
        customer: "ACME",
        count: 3,
        dryRun: true,
        region: "eu",
        options: { fast: true },
      });
    },
    BROWSER_TEST_TIMEOUT,
  );
});
