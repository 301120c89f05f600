import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killAllAgents, spawnAgent } from "../helpers/agent.js";
import { unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsOrgAdmin,
} from "../helpers/browser.js";
import { adminApi, createOrg, createUser, type TestOrg } from "../helpers/fixtures.js";
import { getJob, waitForState } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Logs `line i of n` every `delayMs` (an automation whose log must show while it runs), then sets
 * the output argument `greeting`; a stop request (stop file or SIGINT) ends it early.
 */
const slowMain = `import fs from "node:fs";
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
let stop = false;
process.on("SIGINT", () => { stop = true; });
const stopAsked = () => stop || fs.existsSync(process.env.DIRIGENT_STOP_FILE ?? "/nonexistent");
const lines = input.lines ?? 10;
let i = 0;
while (i < lines && !stopAsked()) {
  i += 1;
  console.log(JSON.stringify({ level: "info", message: "line " + i + " of " + lines }));
  await new Promise((r) => setTimeout(r, input.delayMs ?? 300));
}
fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({ greeting: "hello from line " + i }));
`;

/** Picks `label` in a Mantine Select or MultiSelect (the options live in a portal). */
async function choose(page: Page, input: ReturnType<Page["getByTestId"]>, label: string | RegExp): Promise<void> {
  // A MultiSelect that is not searchable lays its box over its (read-only) input: click through.
  // A click during a modal's opening transition can be lost on a loaded machine: click again
  // until the option shows (slowly, so a dropdown still opening is not toggled shut).
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

/** Adds `label` in a Mantine MultiSelect and closes its dropdown (it stays open for more picks). */
async function chooseMore(page: Page, input: ReturnType<Page["getByTestId"]>, label: string | RegExp): Promise<void> {
  await choose(page, input, label);
  await page.keyboard.press("Escape");
  await expect.poll(() => input.getAttribute("aria-expanded")).toBe("false");
}

/**
 * Submits the start-job dialog and waits until it closed. A click during the dialog's opening
 * transition can be lost on a loaded machine: when the dialog is still open after 5 s and the
 * server has no new job (`jobCount`), the click is repeated, so no job is ever started twice.
 * Errors the dialog shows fail the test with their text.
 */
async function submitStartJob(form: Locator, jobCount: () => Promise<number>): Promise<void> {
  const before = await jobCount();
  const submit = form.getByTestId("start-job-submit");
  await submit.click();
  for (let attempt = 1; ; attempt++) {
    try {
      await form.waitFor({ state: "hidden", timeout: 5000 });
      return;
    } catch {
      const shown = await form.locator('[role="alert"], .mantine-InputWrapper-error').allTextContents();
      if (shown.length > 0) throw new Error(`The start-job dialog shows: ${shown.join(" | ")}`);
      if (attempt === 6) throw new Error("The start-job dialog did not close within 30 s");
      if ((await jobCount()) === before && (await submit.isEnabled())) await submit.click();
    }
  }
}

describeWithChromium("automation area in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let tenantUrl: string;
  let t: string;
  const jobCount = async () => (await org.admin.api.get(`${t}/jobs?limit=200`)).body.items.length as number;

  beforeAll(async () => {
    server = await startTestServer();
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    tenantUrl = `${server.url}/org/t/${org.defaultTenantId}`;
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await killAllAgents();
    await browser?.close();
    await server?.stop();
  });

  it("shows the tenant of a URL that names it by name, in any case, in the switcher, with its page marked", async () => {
    const { page } = browser;
    for (const ref of ["Default", "default", String(org.defaultTenantId)]) {
      await page.goto(`${server.url}/org/t/${ref}/machines`);
      const switcher = page.getByTestId("tenant-switcher");
      await expect.poll(() => switcher.inputValue()).toBe("Default");
      expect(await page.getByTestId("nav-machines").getAttribute("aria-current")).toBe("page");
    }
    await shot(page, "tenant-by-name");
  });

  it(
    "changes a tenant's log retention on the Tenants page; a value out of range shows next to the field",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/tenants`);
      const row = page.getByTestId("tenant-row-Default");
      expect(await row.getByTestId("tenant-retention").textContent()).toBe("30 days");

      await row.getByTestId("row-actions").click();
      await page.getByTestId("log-retention").click();
      const form = page.getByTestId("log-retention-form");
      const field = form.locator('input[name="logRetentionDays"]');
      expect(await field.inputValue()).toBe("30");

      // Out of range: the field says why, nothing is sent.
      await field.fill("0");
      await form.getByTestId("log-retention-save").click();
      await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
      expect(await form.textContent()).toContain("Enter a whole number from 1 to 3650.");
      await field.fill("5000");
      await form.getByTestId("log-retention-save").click();
      expect(await form.textContent()).toContain("Enter a whole number from 1 to 3650.");
      await shot(page, "retention-error-en");
      expect((await org.admin.api.get(t)).body.logRetentionDays).toBe(30);

      await field.fill("90");
      expect(await field.getAttribute("aria-invalid")).not.toBe("true");
      await form.getByTestId("log-retention-save").click();
      await form.waitFor({ state: "hidden" });
      await expect.poll(() => row.getByTestId("tenant-retention").textContent()).toBe("90 days");
      expect((await org.admin.api.get(t)).body.logRetentionDays).toBe(90);

      await page.reload();
      await expect.poll(() => row.getByTestId("tenant-retention").textContent()).toBe("90 days");
      await shot(page, "tenants-en");
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "assigns, changes and removes a user's tenant roles on the Roles page",
    async () => {
      const { page } = browser;
      const user = await createUser(org.admin.api, org.slug);
      const permissionsOf = async () => (await user.api.get(`${t}/permissions`)).body.tenant as string[];
      expect(await permissionsOf()).toEqual([]);

      await page.goto(`${tenantUrl}/roles`);
      await page.getByTestId("tenant-assignments-empty").waitFor();
      await page.getByTestId("assign-tenant-roles").click();
      const form = page.getByTestId("assign-form");
      // Saving without a user names the field.
      await form.getByTestId("assign-submit").click();
      await expect.poll(() => form.getByTestId("assign-user").getAttribute("aria-invalid")).toBe("true");
      await choose(page, form.getByTestId("assign-user"), new RegExp(user.email));
      await chooseMore(page, form.getByTestId("assign-roles"), "Tenant Viewer");
      await shot(page, "roles-assign-en");
      await form.getByTestId("assign-submit").click();
      await form.waitFor({ state: "hidden" });

      const row = page.getByTestId(`tenant-assignment-${user.email}`);
      await expect.poll(() => row.getByTestId("assigned-role").allTextContents()).toEqual(["Tenant Viewer"]);
      expect(await permissionsOf()).toContain("machines.view");
      expect(await permissionsOf()).not.toContain("machines.create");
      await page.reload();
      await expect.poll(() => row.getByTestId("assigned-role").allTextContents()).toEqual(["Tenant Viewer"]);

      // Change: Tenant Administrator instead of Tenant Viewer.
      await row.getByTestId("edit-assignment").click();
      expect(await form.locator('input[name="userId"]').isDisabled()).toBe(true);
      await chooseMore(page, form.getByTestId("assign-roles"), "Tenant Administrator");
      await chooseMore(page, form.getByTestId("assign-roles"), "Tenant Viewer");
      await form.getByTestId("assign-submit").click();
      await form.waitFor({ state: "hidden" });
      await expect.poll(() => row.getByTestId("assigned-role").allTextContents()).toEqual(["Tenant Administrator"]);
      expect(await permissionsOf()).toContain("machines.create");
      await shot(page, "roles-en");

      // Remove, once the edit dialog has finished closing (its exit animation and scroll lock end
      // 200 ms after it hides; a click into that moment was lost once under CI load).
      await expect.poll(() => page.locator(".mantine-Modal-content").count()).toBe(0);
      await row.getByTestId("remove-assignment").click();
      await page.getByTestId("confirm-button").click();
      await page.getByTestId("tenant-assignments-empty").waitFor();
      expect(await permissionsOf()).toEqual([]);
      expect((await org.admin.api.get(`${t}/role-assignments`)).body.items).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it("creates a folder and a machine, connects a real agent, uploads a package, runs and stops jobs with live logs", async () => {
    const { page } = browser;
    const folderName = unique("Finance");

    // A folder.
    await page.goto(`${tenantUrl}/folders`);
    await page.getByTestId("new-folder").first().click();
    const folderForm = page.getByTestId("folder-form");
    await folderForm.locator('input[name="name"]').fill(folderName);
    await folderForm.getByTestId("folder-submit").click();
    await page.getByTestId(`folder-${folderName}`).waitFor();
    await shot(page, "folders-en");

    // A machine serving that folder; its key is shown once.
    await page.goto(`${tenantUrl}/machines`);
    await page.getByTestId("new-machine").first().click();
    const machineForm = page.getByTestId("machine-form");
    await machineForm.locator('input[name="name"]').fill("ui-robot");
    await choose(page, machineForm.getByTestId("machine-folders"), folderName);
    await page.keyboard.press("Escape");
    await machineForm.getByTestId("machine-submit").click();
    const key = (await page.getByTestId("machine-key-value").textContent())?.trim() ?? "";
    expect(key.length).toBeGreaterThan(20);
    expect(await page.getByTestId("machine-connect-command").textContent()).toContain(key);
    await shot(page, "machine-key-en");
    await page.getByTestId("machine-key-done").click();
    const machineRow = page.getByTestId("machine-row-ui-robot");
    expect(await machineRow.getByTestId("machine-state").getAttribute("data-state")).toBe("disconnected");

    // The real agent connects with that key: the row turns Available (the list refreshes itself).
    const agent = spawnAgent({ url: server.url, key });
    try {
      await expect
        .poll(() => machineRow.getByTestId("machine-state").getAttribute("data-state"), { timeout: 60_000 })
        .toBe("available");
    } catch (error) {
      throw new Error(`The machine did not become available; the agent printed:\n${agent.output()}`, { cause: error });
    }
    expect(await machineRow.getByTestId("machine-state").textContent()).toBe("Available");
    await shot(page, "machines-en");

    // A package with a few MiB of random bytes, uploaded through the file input on a throttled
    // network, so that the progress bar is seen between 0 and 100 %.
    const archive = await tgz(
      packageFiles(manifest({ name: "slow-logger", entryPoints: [{ name: "main", command: ["node", "main.js"] }] }), {
        "main.js": slowMain,
        "payload.bin": crypto.randomBytes(3 * 1024 * 1024),
      }),
    );
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-ui-pkg-"));
    const archivePath = path.join(archiveDir, "slow-logger-1.0.0.tgz");
    fs.writeFileSync(archivePath, archive);
    await page.goto(`${tenantUrl}/packages`);
    await page.getByTestId("packages-empty").waitFor();
    // Every percentage the page shows, recorded in the page (as a string: the tests compile without DOM types).
    await page.evaluate(`(() => {
      const seen = [];
      window.seenPercents = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="upload-percent"]')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    })()`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024, // bytes per second: about three seconds for the archive
    });
    try {
      await page.locator('input[type="file"]').first().setInputFiles(archivePath);
      await page.getByTestId("upload-progress").waitFor();
      await shot(page, "packages-uploading-en");
      await page.getByTestId("package-version-slow-logger-1.0.0").waitFor({ timeout: 60_000 });
    } finally {
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await cdp.detach();
      fs.rmSync(archiveDir, { recursive: true, force: true });
    }
    await page.getByTestId("upload-progress").waitFor({ state: "hidden" });
    const percents = (await page.evaluate("window.seenPercents")) as string[];
    const values = percents.map((p) => Number.parseInt(p, 10));
    expect(
      values.some((v) => v > 0 && v < 100),
      `percentages seen: ${percents.join(", ")}`,
    ).toBe(true);
    expect(values.at(-1), `percentages seen: ${percents.join(", ")}`).toBe(100);
    await shot(page, "packages-en");

    // A process in the folder.
    await page.goto(`${tenantUrl}/processes`);
    await choose(page, page.getByTestId("folder-picker"), folderName);
    await page.getByTestId("new-process").first().click();
    const processForm = page.getByTestId("process-form");
    await processForm.locator('input[name="name"]').fill("Slow logger");
    await choose(page, processForm.getByTestId("process-package"), "slow-logger");
    await processForm.getByTestId("process-input").fill('{ "lines": 10, "delayMs": 300 }');
    await processForm.getByTestId("process-submit").click();
    const processRow = page.getByTestId("process-row-Slow logger");
    await processRow.waitFor();
    await shot(page, "processes-en");

    // A job from the UI: its log lines show while it still runs, then it ends successful with its output.
    await processRow.getByTestId("start-process").click();
    await submitStartJob(page.getByTestId("start-job-form"), jobCount);
    await page.waitForURL(/\/jobs\/\d+$/);
    const jobId = Number(/\/jobs\/(\d+)$/.exec(page.url())?.[1]);
    const state = page.getByTestId("job-state").first();
    const lines = page.getByTestId("log-line");
    await lines.first().waitFor({ timeout: 60_000 });
    // A line is on screen while the job is still running (checked after the line was seen).
    expect(await state.getAttribute("data-state")).toBe("running");
    expect((await getJob(org.admin.api, t, jobId)).state).toBe("running");
    expect(await lines.first().textContent()).toContain("line 1 of 10");
    await shot(page, "job-running-en");
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 60_000 }).toBe("successful");
    expect(await lines.allTextContents()).toHaveLength(10);
    expect(await lines.last().textContent()).toContain("line 10 of 10");
    await expect.poll(() => page.getByTestId("job-output").textContent()).toContain("hello from line 10");
    await shot(page, "job-successful-en");

    // A second, long job stopped from its page.
    await page.goto(`${tenantUrl}/processes`);
    await processRow.getByTestId("start-process").click();
    const startForm = page.getByTestId("start-job-form");
    await startForm.getByTestId("start-input").fill('{ "lines": 1000, "delayMs": 300 }');
    await submitStartJob(startForm, jobCount);
    await page.waitForURL((url) => /\/jobs\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${jobId}`));
    const secondId = Number(/\/jobs\/(\d+)$/.exec(page.url())?.[1]);
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 60_000 }).toBe("running");
    await lines.first().waitFor();
    // While it runs the duration ticks (it used to stay "0 s"), the limits say "—" when none are set,
    // and the timeline names the machine, not "machine <id>".
    const duration = page.getByTestId("job-duration");
    const before = await duration.textContent();
    await expect.poll(() => duration.textContent(), { timeout: 5_000 }).not.toBe(before);
    expect(await state.getAttribute("data-state")).toBe("running");
    expect(await page.getByTestId("job-limits").textContent()).toBe("Time limits—");
    const timeline = page.getByTestId("job-timeline");
    expect(await timeline.textContent()).toContain("ui-robot");
    expect(await timeline.textContent()).not.toMatch(/machine \d/);
    await page.getByTestId("stop-job").click();
    await page.getByTestId("confirm-button").click();
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 60_000 }).toBe("stopped");
    const stopped = await waitForState(org.admin.api, t, secondId, "stopped");
    expect(stopped.timeline.map((e) => e.state)).toContain("stopping");
    await shot(page, "job-stopped-en");

    await agent.kill("SIGTERM");
  }, 300_000);

  it(
    "shows the changed pages in German",
    async () => {
      const { page } = browser;
      const user = await createUser(org.admin.api, org.slug);
      const viewer = (await org.admin.api.get(`${t}/roles`)).body.items.find(
        (r: { name: string }) => r.name === "Tenant Viewer",
      );
      expect((await org.admin.api.put(`${t}/role-assignments/${user.id}`, { roleIds: [viewer.id] })).status).toBe(204);

      await page.goto(`${server.url}/org/tenants`);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      const row = page.getByTestId("tenant-row-Default");
      await expect.poll(() => row.getByTestId("tenant-retention").textContent()).toMatch(/^\d+ Tage$/);
      await shot(page, "tenants-de");
      await row.getByTestId("row-actions").click();
      await page.getByTestId("log-retention").click();
      const form = page.getByTestId("log-retention-form");
      await form.locator('input[name="logRetentionDays"]').fill("0");
      await form.getByTestId("log-retention-save").click();
      await expect.poll(() => form.textContent()).toContain("Bitte eine ganze Zahl von 1 bis 3650 eingeben.");
      await shot(page, "retention-error-de");
      await page.keyboard.press("Escape");

      await page.goto(`${tenantUrl}/roles`);
      const assigned = page.getByTestId(`tenant-assignment-${user.email}`);
      await assigned.waitFor();
      await expect.poll(() => assigned.getByTestId("assigned-role").allTextContents()).toEqual(["Mandantenbetrachter"]);
      expect(await page.getByTestId("tenant-assignments").textContent()).toContain("Mandantenrollen");
      await shot(page, "roles-de");
      await assigned.getByTestId("edit-assignment").click();
      await page.getByTestId("assign-form").waitFor();
      await shot(page, "roles-assign-de");
      await page.keyboard.press("Escape");

      for (const sub of ["folders", "machines", "packages", "processes", "jobs"]) {
        await page.goto(`${tenantUrl}/${sub}`);
        await page.waitForLoadState("networkidle");
        await shot(page, `${sub}-de`);
      }
      const jobs = (await org.admin.api.get(`${t}/jobs`)).body.items as { id: number }[];
      for (const job of jobs) {
        await page.goto(`${tenantUrl}/jobs/${job.id}`);
        await page.getByTestId("log-status").and(page.locator('[data-status="ended"]')).waitFor();
        await shot(page, `job-${job.id}-de`);
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
