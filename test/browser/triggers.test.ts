import type { Page } from "playwright-core";
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

/** Picks `label` in a Mantine Select (options live in a portal; a click in a modal's opening transition may be lost). */
async function choose(page: Page, input: ReturnType<Page["getByTestId"]>, label: string | RegExp): Promise<void> {
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

describeWithChromium("triggers in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let t: string;
  let folderId: number;

  beforeAll(async () => {
    // No scheduler: the test looks at the editor and the list, nothing needs to fire.
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    const folder = await api.post(`${t}/folders`, { name: unique("Finance") });
    folderId = folder.body.id;
    await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "invoices", version: "1.0.0" }))));
    const process = await api.post(`${t}/folders/${folderId}/processes`, { name: "Invoices", packageName: "invoices" });
    expect(process.status, process.text).toBe(201);
    expect((await api.put(`${t}/settings`, { timeZone: "Europe/Berlin" })).status).toBe(200);
    browser = await launchBrowser(chromiumPath);
    await signInAsOrgAdmin(browser.page, server.url, org);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(
    "creates a trigger from a preset with the next runs previewed, edits the cron by hand, toggles it; then in German",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/triggers?folder=${folderId}`);
      await page.getByTestId("nav-triggers").waitFor();
      await page.getByTestId("triggers-empty").waitFor();
      await page.getByTestId("new-trigger").first().click();
      const form = page.getByTestId("trigger-form");
      await form.waitFor();
      await form.locator('input[name="name"]').fill("Weekday invoices");
      await choose(page, form.getByTestId("trigger-process"), "Invoices");

      // Preset "weekly on days" writes the cron; the preview shows the summary and 5 runs in Berlin time.
      await choose(page, form.getByTestId("preset-kind"), "Weekly on days");
      await expect
        .poll(() => form.getByTestId("trigger-cron-text").textContent())
        .toBe("0 0 9 ? * MON,TUE,WED,THU,FRI");
      await expect
        .poll(() => form.getByTestId("preview-summary").textContent(), { timeout: 15_000 })
        .toBe("Every Monday–Friday at 09:00");
      await expect.poll(() => form.getByTestId("preview-time").count()).toBe(5);
      expect(await form.getByTestId("preview-time").first().textContent()).toMatch(/09:00:00/);
      await shot(page, "trigger-editor-en");

      // Advanced: a wrong expression is explained before saving; a right one is previewed.
      await form.getByText("Advanced (cron)").click();
      const cron = form.locator('input[name="cron"]');
      await cron.fill("0 0 12 1 * MON");
      await expect
        .poll(() => form.getByTestId("preview-error").textContent(), { timeout: 15_000 })
        .toContain("day-of-week must be ?");
      await cron.fill("0 0/30 * * * ?");
      await expect
        .poll(() => form.getByTestId("preview-summary").textContent(), { timeout: 15_000 })
        .toBe("Every 30 minutes");
      await form.getByTestId("trigger-submit").click();
      await form.waitFor({ state: "hidden" });

      const row = page.getByTestId("trigger-row-Weekday invoices");
      await expect.poll(() => row.getByTestId("trigger-summary").textContent()).toBe("Every 30 minutes");
      expect(await row.getByTestId("trigger-next").textContent()).toMatch(/:(00|30):00/);
      const saved = (await org.admin.api.get(`${t}/folders/${folderId}/triggers`)).body.items[0];
      expect(saved).toMatchObject({ cron: "0 0/30 * * * ?", timeZone: "Europe/Berlin", enabled: true });
      await shot(page, "triggers-list-en");

      // The enabled toggle disables it on the server.
      await row.getByTestId("trigger-enabled").click({ force: true });
      await expect.poll(async () => (await org.admin.api.get(`${t}/triggers/${saved.id}`)).body.enabled).toBe(false);
      // The switch shows the server's state once the list is read again: click it only then.
      await expect.poll(() => row.getByTestId("trigger-enabled").isChecked()).toBe(false);
      await row.getByTestId("trigger-enabled").click({ force: true });
      await expect.poll(async () => (await org.admin.api.get(`${t}/triggers/${saved.id}`)).body.enabled).toBe(true);

      // Run now, then the trigger's page shows the firing in its history and the job in its jobs tab.
      await row.getByTestId("row-actions").click();
      await page.getByRole("menuitem", { name: "Run now" }).click();
      await expect
        .poll(async () => (await org.admin.api.get(`${t}/triggers/${saved.id}/jobs`)).body.items.length)
        .toBe(1);
      await row.getByRole("link", { name: "History" }).click();
      await page.getByTestId("trigger-history").waitFor();
      await expect.poll(() => page.getByTestId("trigger-history").textContent()).toContain("Fired");
      await page.getByTestId("tab-jobs").click();
      await page.getByTestId("trigger-jobs").waitFor();
      await shot(page, "trigger-detail-en");
      await page.goBack();

      // German: navigation, list summary and the editor's preview.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("nav-triggers").textContent()).toBe("Trigger");
      await page.reload();
      await expect.poll(() => row.getByTestId("trigger-summary").textContent()).toBe("Alle 30 Minuten");
      await page.getByTestId("new-trigger").first().click();
      await form.waitFor();
      await expect
        .poll(() => form.getByTestId("preview-summary").textContent(), { timeout: 15_000 })
        .toBe("Täglich um 09:00");
      expect(await form.textContent()).toContain("Nächste 5 Ausführungen (Europe/Berlin)");
      await shot(page, "trigger-editor-de");
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "sets the tenant's time zone and marks a calendar's excluded days in its month view",
    async () => {
      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/settings`);
      const settings = page.getByTestId("tenant-settings-form");
      await settings.waitFor();
      await choose(page, settings.getByTestId("settings-zone"), "America/New_York");
      await settings.getByTestId("settings-submit").click();
      await expect.poll(async () => (await org.admin.api.get(`${t}/settings`)).body.timeZone).toBe("America/New_York");

      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/calendars`);
      await page.getByTestId("new-calendar").first().click();
      const form = page.getByTestId("calendar-form");
      await form.waitFor();
      await form.locator('input[name="name"]').fill("Holidays");
      const title = await form.getByTestId("month-title").textContent();
      const now = new Date();
      const day = (d: number) =>
        `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      await form.getByTestId(`day-${day(24)}`).click();
      await form.getByTestId(`day-${day(25)}`).click();
      await form.getByTestId(`day-${day(24)}`).click();
      await form.getByTestId(`day-${day(24)}`).click();
      expect(title).toBeTruthy();
      await shot(page, "calendar-editor");
      await form.getByTestId("calendar-submit").click();
      await form.waitFor({ state: "hidden" });
      await page.getByTestId("calendar-row-Holidays").waitFor();
      const calendars = (await org.admin.api.get(`${t}/calendars`)).body.items;
      expect(calendars).toEqual([
        expect.objectContaining({ name: "Holidays", timeZone: "America/New_York", excludedDates: [day(24), day(25)] }),
      ]);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "creates and edits a queue trigger in the editor (its queue fixed once created), in English and German",
    async () => {
      const { page } = browser;
      const api = org.admin.api;
      const queue = await api.post(`${t}/folders/${folderId}/queues`, { name: unique("Invoices-in") });
      expect(queue.status, queue.text).toBe(201);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-en").click();
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/triggers?folder=${folderId}`);
      await page.getByTestId("new-trigger").first().waitFor();

      // Queue trigger: the queue, the process and the three numbers.
      await page.getByTestId("new-trigger").first().click();
      await page.getByTestId("trigger-kind").getByText("Queue trigger").click();
      const qform = page.getByTestId("queue-trigger-form");
      await qform.waitFor();
      await qform.locator('input[name="name"]').fill("On invoices");
      await choose(page, qform.getByTestId("trigger-process"), "Invoices");
      await choose(page, qform.getByTestId("trigger-queue"), queue.body.name);
      await qform.getByTestId("trigger-min-items").fill("5");
      await qform.getByTestId("trigger-max-jobs").fill("3");
      await qform.getByTestId("trigger-items-per-job").fill("10");
      await shot(page, "queue-trigger-editor-en");
      await qform.getByTestId("trigger-submit").click();
      await qform.waitFor({ state: "hidden" });
      const qrow = page.getByTestId("trigger-row-On invoices");
      await expect.poll(() => qrow.getByTestId("trigger-queue-name").textContent()).toContain(queue.body.name);
      const listed = async (name: string) =>
        ((await api.get(`${t}/folders/${folderId}/triggers`)).body.items as { name: string }[]).find(
          (x) => x.name === name,
        ) as Record<string, unknown> | undefined;
      expect(await listed("On invoices")).toMatchObject({
        type: "queue",
        queueId: queue.body.id,
        minItems: 5,
        maxConcurrentJobs: 3,
        itemsPerJob: 10,
        enabled: true,
      });
      // Edit: the queue is fixed, the numbers and the job settings change.
      await qrow.getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await qform.waitFor();
      expect(await qform.getByTestId("trigger-queue").isDisabled()).toBe(true);
      await qform.getByTestId("trigger-max-jobs").fill("2");
      await qform.locator('input[name="priority"]').fill("70");
      await qform.getByTestId("trigger-submit").click();
      await qform.waitFor({ state: "hidden" });
      await expect.poll(async () => (await listed("On invoices"))?.maxConcurrentJobs).toBe(2);
      expect(await listed("On invoices")).toMatchObject({ priority: 70, minItems: 5 });

      // German: the queue stays fixed, and says so.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("nav-triggers").textContent()).toBe("Trigger");
      await qrow.getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await qform.waitFor();
      expect(await qform.textContent()).toContain("Ein Trigger behält seine Warteschlange");
      await shot(page, "queue-trigger-editor-de");
      await page.keyboard.press("Escape");
      await qform.waitFor({ state: "hidden" });
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "creates an HTTP trigger in the editor (a taken slug explained at the field) and edits its call mode in German",
    async () => {
      const { page } = browser;
      const api = org.admin.api;
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-en").click();
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/triggers?folder=${folderId}`);
      await page.getByTestId("new-trigger").first().waitFor();
      const listed = async (name: string) =>
        ((await api.get(`${t}/folders/${folderId}/triggers`)).body.items as { name: string }[]).find(
          (x) => x.name === name,
        ) as Record<string, unknown> | undefined;
      const processId = (await api.get(`${t}/folders/${folderId}/processes`)).body.items[0].id;
      // HTTP trigger: slug, method, call mode; a taken slug is explained next to the field.
      await api.post(`${t}/folders/${folderId}/triggers`, {
        type: "http",
        name: "Taken",
        processId,
        slug: "taken",
        method: "POST",
        callMode: "fireAndForget",
      });
      await page.getByTestId("new-trigger").first().click();
      await page.getByTestId("trigger-kind").getByText("HTTP trigger").click();
      const hform = page.getByTestId("http-trigger-form");
      await hform.waitFor();
      await hform.locator('input[name="name"]').fill("Invoice API");
      await choose(page, hform.getByTestId("trigger-process"), "Invoices");
      await hform.getByTestId("trigger-slug").fill("taken");
      await choose(page, hform.getByTestId("trigger-method"), "PUT");
      await choose(page, hform.getByTestId("trigger-call-mode"), "Long polling");
      await expect
        .poll(() => hform.getByTestId("trigger-address").textContent())
        .toMatch(/^PUT http.*\/triggers\/http\/taken$/);
      await hform.getByTestId("trigger-submit").click();
      await expect.poll(() => hform.textContent()).toContain("is already taken");
      await hform.getByTestId("trigger-slug").fill("invoices");
      await shot(page, "http-trigger-editor-en");
      await hform.getByTestId("trigger-submit").click();
      await hform.waitFor({ state: "hidden" });
      await expect
        .poll(async () => await listed("Invoice API"))
        .toMatchObject({
          type: "http",
          slug: "invoices",
          method: "PUT",
          callMode: "longPolling",
        });
      await shot(page, "triggers-list-kinds-en");

      // German: edit the HTTP trigger's call mode.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("nav-triggers").textContent()).toBe("Trigger");
      const hrow = page.getByTestId("trigger-row-Invoice API");
      await hrow.getByTestId("row-actions").click();
      await page.getByTestId("edit").click();
      await hform.waitFor();
      expect(await hform.textContent()).toContain("Aufrufmodus");
      await choose(page, hform.getByTestId("trigger-call-mode"), "Auslösen und vergessen");
      await expect.poll(() => hform.textContent()).toContain("Antwortet sofort mit 202");
      await shot(page, "http-trigger-editor-de");
      await hform.getByTestId("trigger-submit").click();
      await hform.waitFor({ state: "hidden" });
      await expect.poll(async () => (await listed("Invoice API"))?.callMode).toBe("fireAndForget");
    },
    BROWSER_TEST_TIMEOUT,
  );
  it(
    "shows why a trigger turned itself off in the reader's language (German)",
    async () => {
      const api = org.admin.api;
      const process = (await api.get(`${t}/folders/${folderId}/processes`)).body.items[0];
      const created = await api.post(`${t}/folders/${folderId}/triggers`, {
        type: "time",
        name: "Until 2099",
        processId: process.id,
        cron: "0 0 12 * * ?",
        timeZone: "UTC",
        endDate: "2099-01-01T00:00:00Z",
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.id as number;
      await server.server.storage.db
        .updateTable("triggers")
        .set({ next_fire_at: "2098-12-31T12:00:00.000Z" })
        .where("id", "=", id)
        .execute();
      await server.server.services.triggerFiring.fireDue(new Date("2098-12-31T12:00:00.100Z"));
      const after = await api.get(`${t}/triggers/${id}`);
      expect(after.body).toMatchObject({
        enabled: false,
        disabledReason: "Its end date has passed.",
        disabledReasonCode: "end-date-passed",
        disabledReasonParams: {},
      });

      const { page } = browser;
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/triggers?folder=${folderId}`);
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await expect.poll(() => page.getByTestId("nav-triggers").textContent()).toBe("Trigger");
      const row = page.getByTestId("trigger-row-Until 2099");
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("Sein Enddatum ist überschritten.");
      expect(await row.textContent()).not.toContain("Its end date has passed.");
      await shot(page, "trigger-disabled-reason-de");
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/triggers/${id}`);
      await expect
        .poll(() => page.locator("main").textContent(), { timeout: 15_000 })
        .toContain("Sein Enddatum ist überschritten.");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
