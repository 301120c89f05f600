import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  setChecked,
  shot,
  signInAsAdmin,
  signInAsOrgAdmin,
  signOut,
} from "../helpers/browser.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer, testAdminPassword } from "../helpers/server.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

describeWithChromium("webhooks in the browser", (chromiumPath) => {
  let server: TestServer;
  let org: TestOrg;
  let browser: BrowserSession;
  let receiver: Receiver;
  let t: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { DIRIGENT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DIRIGENT_WEBHOOK_POLL_MS: "100" },
    });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    receiver = await startReceiver("browser-secret-1");
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it(
    "subscribes a URL with event checkboxes, pings it, shows deliveries and redelivers; then in German",
    async () => {
      const { page } = browser;
      await signInAsOrgAdmin(page, server.url, org);
      await page.goto(`${server.url}/org/t/${org.defaultTenantId}/webhooks`);
      await page.getByTestId("webhooks-empty").waitFor();
      await page.getByTestId("new-webhook").first().click();
      const form = page.getByTestId("webhook-form");
      // A literal private address is refused by the server, next to the field.
      await form.locator('input[name="url"]').fill("http://10.0.0.7/hook");
      await setChecked(page.getByTestId("event-job.created"), true);
      await form.locator('input[name="secret"]').fill("browser-secret-1");
      await page.getByTestId("webhook-submit").click();
      await expect.poll(() => form.textContent()).toContain("10.0.0.7 is a private address");
      await shot(page, "webhooks-refused");
      await form.locator('input[name="url"]').fill(receiver.url);
      await page.getByTestId("webhook-submit").click();
      await page.getByTestId("webhooks-table").waitFor();
      await shot(page, "webhooks-list");
      const list = await org.admin.api.get(`${t}/webhooks`);
      expect(list.body.items[0]).toMatchObject({
        url: receiver.url,
        events: ["job.created", "job.finished"],
        hasSecret: true,
      });
      const id = list.body.items[0].id as number;

      // Deliveries: ping, then a delivered event to redeliver.
      await page.getByTestId(`webhook-row-${id}`).getByRole("link").first().click();
      await page.getByTestId("deliveries-empty").waitFor();
      await page.getByTestId("ping-webhook").click();
      await page.getByText(/Ping delivered: HTTP 200/).waitFor();
      expect(receiver.received.at(-1)?.signatureValid).toBe(true);
      // A real event: a job created through the API is delivered, then redelivered from the page.
      const api = org.admin.api;
      const folder = await api.post(`${t}/folders`, { name: "Hooks" });
      await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "hooked", version: "1.0.0" }))));
      const process = await api.post(`${t}/folders/${folder.body.id}/processes`, {
        name: "Hooked",
        packageName: "hooked",
      });
      expect(process.status, process.text).toBe(201);
      expect((await api.post(`${t}/folders/${folder.body.id}/jobs`, { processId: process.body.id })).status).toBe(201);
      await expect.poll(() => receiver.received.filter((h) => h.body.event === "job.created").length).toBe(1);
      // The receiver has the request before the sender has recorded the answer: wait for the record.
      await expect
        .poll(async () => (await api.get(`${t}/webhooks/${id}/deliveries`)).body.items[0]?.status)
        .toBe("succeeded");
      const created = (await api.get(`${t}/webhooks/${id}/deliveries`)).body.items[0];
      expect(created).toMatchObject({ event: "job.created", status: "succeeded" });
      await page.getByTestId(`delivery-${created.id}`).click();
      await page.getByTestId(`redeliver-${created.id}`).click();
      await page.getByText("Queued for delivery again.").waitFor();
      await expect.poll(() => receiver.received.filter((h) => h.body.event === "job.created").length).toBe(2);
      expect(receiver.received.at(-1)?.body.id).toBe(created.key);

      // A ping to a target that is down shows the failed attempt with the answer.
      receiver.setMode({ kind: "down" });
      await page.getByTestId("ping-webhook").click();
      await page.getByText(/Ping failed: The target answered 503/).waitFor();
      const deliveries = await org.admin.api.get(`${t}/webhooks/${id}/deliveries`);
      expect(deliveries.body.items.map((d: { status: string }) => d.status)).toEqual([
        "failed",
        "succeeded",
        "succeeded",
      ]);
      await page.getByTestId(`delivery-${deliveries.body.items[0].id}`).click();
      await page.getByText("down for maintenance").waitFor();
      await shot(page, "webhook-deliveries");

      // German.
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-de").click();
      await page.getByRole("heading", { name: "Webhook-Zustellungen" }).waitFor();
      await page.getByText("Fehlgeschlagen").first().waitFor();
      await shot(page, "webhook-deliveries-de");
      await page.getByTestId("nav-webhooks").click();
      await page.getByText("Integrationen").first().waitFor();
      await shot(page, "webhooks-list-de");
      await page.getByTestId("language-switcher").click();
      await page.getByTestId("language-en").click();
      await signOut(page);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "lets a system administrator set the allow-list of otherwise refused hosts",
    async () => {
      const { page } = browser;
      await signInAsAdmin(page, server.url, "admin", testAdminPassword);
      await page.goto(`${server.url}/host/settings/webhooks`);
      const form = page.getByTestId("webhook-settings-form");
      await form.getByText("127.0.0.1").waitFor();
      await form.locator('textarea[name="allowedHosts"]').fill("hooks.internal\n10.0.0.0/8\nnot a host!");
      await page.getByTestId("save-allow-list").click();
      await expect.poll(() => form.textContent()).toContain("must be a host name, an IP address or a CIDR range");
      await form.locator('textarea[name="allowedHosts"]').fill("hooks.internal\n10.0.0.0/8");
      await page.getByTestId("save-allow-list").click();
      await expect
        .poll(async () => (await (await adminApi(server)).get("/host/settings/webhooks")).body.allowedHosts)
        .toEqual(["hooks.internal", "10.0.0.0/8"]);
      await shot(page, "webhook-host-settings");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
