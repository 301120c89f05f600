import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  shot,
  signInAsAdmin,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { englishOnlyWords, englishWordsIn } from "../helpers/english-words.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The data the walk's pages show; the page lists below build their paths from it. */
interface WalkData {
  org: TestOrg;
  tenantId: number;
  jobId: number;
  queueId: number;
  bucketId: number;
  triggerId: number;
}

/**
 * Every page of the UI, by portal. To add a page, add its path here (a function of the data the
 * walk created, when it needs an id). The walk signs in once per portal and visits them in order.
 */
export const hostPages = (d: WalkData): string[] => [
  "/host",
  "/host/organizations",
  `/host/organizations/${d.org.slug}`,
  "/host/administrators",
  "/host/audit",
  "/host/maintenance",
  "/host/settings/security",
  "/host/settings/email",
  "/host/email/outbox",
  "/host/licenses",
  "/host/announcements",
  "/host/monitoring",
  "/host/settings/webhooks",
  "/profile",
];

export const orgPages = (_d: WalkData): string[] => [
  "/org",
  "/org/users",
  "/org/tenants",
  "/org/audit",
  "/org/licenses",
  "/org/email/outbox",
  "/org/settings/email",
  "/profile",
];

export const tenantPages = (d: WalkData): string[] =>
  [
    "jobs",
    `jobs/${d.jobId}`,
    "machines",
    "packages",
    "processes",
    "folders",
    "roles",
    "queues",
    `queues/${d.queueId}`,
    "assets",
    "buckets",
    `buckets/${d.bucketId}`,
    "triggers",
    `triggers/${d.triggerId}`,
    "calendars",
    "settings",
    "monitoring",
    "webhooks",
    "alerts",
    "alerts/preferences",
  ].map((p) => `/org/t/${d.tenantId}/${p}`);

export const publicPages = (): string[] => ["/login", "/login?as=organization", "/forgot-password"];

/** What a reader sees on the page: its text, and the placeholders, labels and titles of its elements. */
async function visibleText(page: Page): Promise<string> {
  // A string, not a function: the test's tsconfig has no DOM types.
  return page.evaluate(`(() => {
    const parts = [document.body.innerText];
    for (const el of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
      for (const attr of ["placeholder", "aria-label", "title"]) {
        const v = el.getAttribute(attr);
        if (v) parts.push(v);
      }
    }
    return parts.join("\\n");
  })()`);
}

/** Waits until the page has loaded its data (no loader or skeleton, the network quiet); false if it never did. */
async function settle(page: Page): Promise<boolean> {
  await page.waitForLoadState("networkidle");
  const loading = page.locator('[role="status"] .mantine-Loader-root, .mantine-Skeleton-root[data-visible="true"]');
  try {
    await expect.poll(() => loading.count(), { timeout: 15_000 }).toBe(0);
    return true;
  } catch {
    return false;
  }
}

describeWithChromium("every page in German", (chromiumPath) => {
  let server: TestServer;
  let data: WalkData;
  const english = englishOnlyWords();
  /** Names the test made up: data, not UI text. */
  const keep: string[] = ["main", "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "example"];

  beforeAll(async () => {
    server = await startTestServer({ env: { DIRIGENT_SERVICES: "mail" } });
    const host = await adminApi(server);
    expect((await host.patch("/me", { locale: "de" })).status).toBe(200);
    const org = await createOrg(host, { name: "Beispiel GmbH" });
    keep.push(org.slug);
    const api = org.admin.api;
    expect((await api.patch("/me", { locale: "de" })).status).toBe(200);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await api.post(`${t}/folders`, { name: "Buchhaltung" });
    expect(folder.status, folder.text).toBe(201);
    const upload = await uploadPackage(
      api,
      t,
      await tgz(packageFiles(manifest({ name: "rechnungen", version: "1.0.0" }))),
    );
    expect(upload.status, upload.text).toBe(201);
    const proc = await api.post(`${t}/folders/${folder.body.id}/processes`, {
      name: "Rechnungen",
      packageName: "rechnungen",
    });
    expect(proc.status, proc.text).toBe(201);
    const [job] = await startJobs(api, t, folder.body.id, { processId: proc.body.id });
    if (!job) throw new Error("no job started");
    expect((await api.post(`${t}/jobs/${job.id}/stop`, { mode: "kill" })).status).toBeLessThan(300);
    const machine = await api.post(`${t}/machines`, { name: "Rechner", slots: 1, folderIds: [folder.body.id] });
    expect(machine.status, machine.text).toBe(201);
    const queue = await api.post(`${t}/folders/${folder.body.id}/queues`, { name: "Eingang" });
    expect(queue.status, queue.text).toBe(201);
    const bucket = await api.post(`${t}/folders/${folder.body.id}/buckets`, { name: "Ablage" });
    expect(bucket.status, bucket.text).toBe(201);
    const trigger = await api.post(`${t}/folders/${folder.body.id}/triggers`, {
      type: "time",
      name: "Morgens",
      processId: proc.body.id,
      cron: "0 7 * * 1-5",
    });
    expect(trigger.status, trigger.text).toBe(201);
    // A message in the outboxes (held or queued: no e-mail server is needed for the page).
    const recovery = await api.post("/auth/password-recovery", { organization: org.slug, email: org.admin.email });
    expect(recovery.status, recovery.text).toBe(202);
    data = {
      org,
      tenantId: org.defaultTenantId,
      jobId: job.id,
      queueId: queue.body.id,
      bucketId: bucket.body.id,
      triggerId: trigger.body.id,
    };
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function walk(session: BrowserSession, pages: string[]): Promise<string[]> {
    const problems: string[] = [];
    for (const p of pages) {
      await session.page.goto(`${server.url}${p}`);
      if (!(await settle(session.page))) problems.push(`${p}: still loading after 15 s`);
      await shot(session.page, `de${p}`);
      const words = englishWordsIn(await visibleText(session.page), english, keep);
      if (words.length > 0) problems.push(`${p}: ${words.join(", ")}`);
    }
    return problems;
  }

  it(
    "shows no English word on the public pages, in the host portal, the organization and its tenant",
    async () => {
      const problems: string[] = [];
      const visitor = await launchBrowser(chromiumPath, { locale: "de-DE" });
      try {
        problems.push(...(await walk(visitor, publicPages())));
      } finally {
        await visitor.close();
      }

      const admin = await launchBrowser(chromiumPath, { locale: "de-DE" });
      try {
        await signInAsAdmin(admin.page, server.url, "admin", server.adminPassword);
        problems.push(...(await walk(admin, hostPages(data))));
      } finally {
        await admin.close();
      }

      const user = await launchBrowser(chromiumPath, { locale: "de-DE" });
      try {
        await signInAsOrgUser(user.page, server.url, {
          organization: data.org.slug,
          email: data.org.admin.email,
          password: data.org.admin.password,
        });
        problems.push(...(await walk(user, [...orgPages(data), ...tenantPages(data)])));
      } finally {
        await user.close();
      }
      expect(problems).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT * 3,
  );

  it(
    "writes dates as TT.MM.JJJJ in a German UI in an English browser, not mm/dd/yyyy",
    async () => {
      const session = await launchBrowser(chromiumPath, { locale: "en-US" });
      try {
        const { page } = session;
        await signInAsOrgUser(page, server.url, {
          organization: data.org.slug,
          email: data.org.admin.email,
          password: data.org.admin.password,
        });
        await page.goto(`${server.url}/org/t/${data.tenantId}/jobs`);
        const from = page.getByTestId("filter-from");
        await expect.poll(() => from.getAttribute("placeholder")).toBe("TT.MM.JJJJ HH:MM");
        expect(await from.getAttribute("type")).toBe("text");
        await from.fill("04.03.2025 05:06");
        await expect.poll(() => new URL(page.url()).searchParams.get("from")).toBe("2025-03-04T05:06");
        await from.fill("31.02.2025 05:06");
        await expect.poll(() => page.getByText("Bitte als TT.MM.JJJJ HH:MM eingeben.").count()).toBe(1);
      } finally {
        await session.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});
