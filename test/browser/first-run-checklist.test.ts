import { afterAll, beforeAll, expect, it } from "vitest";
import { openRobotSocket, type RobotSocket } from "../helpers/agent.js";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { closedPort } from "../helpers/smtp.js";

/**
 * Issue #12 polish: a first-run checklist on the organization overview (e-mail, a connected
 * machine, a process run) with links; it disappears once everything is done.
 */
describeWithChromium("the first-run checklist", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let robot: RobotSocket | undefined;

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    robot?.ws.terminate();
    await browser?.close();
    await server?.stop();
  });

  it(
    "lists the open steps with links, ticks them as they are done, and disappears at the end; in German",
    async () => {
      const { page } = browser;
      const api = org.admin.api;
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const list = page.getByTestId("first-run-checklist");
      const step = (key: string) => page.getByTestId(`first-run-${key}`);
      await page.goto(`${server.url}/org`);
      await list.waitFor();
      expect(await page.getByTestId("first-run-progress").textContent()).toBe("0 of 3 done");
      expect(await step("machine").getByRole("link").getAttribute("href")).toBe(
        `/org/t/${org.defaultTenantId}/machines`,
      );
      await shot(page, "first-run-en");

      // E-mail: the organization's own server.
      const port = await closedPort();
      const saved = await api.put(`/orgs/${org.slug}/settings/email`, { mode: "custom", ...plainSettings({ port }) });
      expect(saved.status, saved.text).toBe(200);
      // A machine with a robot connected.
      const folder = await api.post(`${t}/folders`, { name: unique("F") });
      const machine = await api.post(`${t}/machines`, { name: "Robot 1", slots: 1, folderIds: [folder.body.id] });
      robot = await openRobotSocket(server.url, machine.body.key);
      await robot.hello();
      await page.reload();
      await list.waitFor();
      await expect.poll(() => step("email").getAttribute("data-done")).toBe("true");
      await expect.poll(() => step("machine").getAttribute("data-done")).toBe("true");
      expect(await step("process").getAttribute("data-done")).toBe("false");

      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("first-run-progress").textContent()).toBe("2 von 3 erledigt");
      expect(await step("process").textContent()).toContain("Einen Prozess ausführen");
      await shot(page, "first-run-de");

      // A process that ran: a job that ended successfully (written as the robot would have).
      await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "hello", version: "1.0.0" }))));
      const process = await api.post(`${t}/folders/${folder.body.id}/processes`, {
        name: "Hello",
        packageName: "hello",
      });
      const job = await api.post(`${t}/folders/${folder.body.id}/jobs`, { processId: process.body.id });
      await server.server.storage.db
        .updateTable("jobs")
        .set({ state: "successful", ended_at: new Date().toISOString() })
        .where("id", "=", job.body.items[0].id)
        .execute();
      await page.reload();
      await page.getByTestId("org-overview-name").waitFor();
      await page.waitForTimeout(1000);
      expect(await list.count()).toBe(0);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
