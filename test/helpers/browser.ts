import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { describe, expect, it } from "vitest";

/**
 * The Chromium to drive: `CHROME_PATH` when set (and only that one: a wrong path is reported,
 * not papered over), else Debian's `/usr/bin/chromium` (`apt-get install -y chromium`).
 * Undefined when it does not exist — browsers cannot be downloaded on these machines (TESTING.md).
 */
export function findChromium(): string | undefined {
  const candidate = process.env.CHROME_PATH || "/usr/bin/chromium";
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** Flags from TESTING.md: headless, no sandbox (root in containers), nothing that calls out. */
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Per-test budget: a browser journey of several pages on a shared 2-core machine. */
export const BROWSER_TEST_TIMEOUT = 120_000;

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh profile (its own cookies and localStorage), so two sessions are
 * two independent users. `locale` sets the browser's language (`navigator.language`).
 */
export async function launchBrowser(
  executablePath: string,
  options: { locale?: string } = {},
): Promise<BrowserSession> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: chromiumArgs,
      acceptDownloads: true,
      locale: options.locale ?? "en-US",
      viewport: { width: 1360, height: 900 },
    });
  } catch (error) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  // Generous: on a loaded 2-core CI machine a page with a fresh bundle can take several seconds.
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `describe` for suites that need Chromium. Without one the suite is skipped with a one-line
 * reason — except in CI (`CI=true`), where a missing browser is a failure, never a silent skip.
 */
export function describeWithChromium(name: string, body: (executablePath: string) => void): void {
  const executablePath = findChromium();
  if (executablePath) {
    describe(name, () => body(executablePath));
    return;
  }
  const reason = process.env.CHROME_PATH
    ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist`
    : "no Chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROME_PATH)";
  if (process.env.CI === "true") {
    describe(name, () => {
      it("has a Chromium to run in", () => {
        throw new Error(`Browser tests cannot run in CI: ${reason}`);
      });
    });
    return;
  }
  // The reporter lists skipped files without their suite names, so say why once, in one line.
  console.warn(`Skipping browser suite "${name}": ${reason}`);
  describe.skip(`${name} [skipped: ${reason}]`, () => body(""));
}

/** Signs in on the login page as a system administrator and waits for the host dashboard. */
export async function signInAsAdmin(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login?as=admin`);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${baseUrl}/host`);
}

/** Fills the organization sign-in form and submits it (the caller waits for what should follow). */
export async function submitOrganizationSignIn(
  page: Page,
  baseUrl: string,
  credentials: { organization: string; email: string; password: string },
): Promise<void> {
  await page.goto(`${baseUrl}/login?as=organization`);
  await page.locator('input[name="organization"]').fill(credentials.organization);
  await page.locator('input[name="email"]').fill(credentials.email);
  await page.locator('input[name="password"]').fill(credentials.password);
  await page.getByTestId("login-submit").click();
}

/** Signs in on the login page as an organization user and waits for the organization portal. */
export async function signInAsOrgUser(
  page: Page,
  baseUrl: string,
  credentials: { organization: string; email: string; password: string },
): Promise<void> {
  await submitOrganizationSignIn(page, baseUrl, credentials);
  await page.waitForURL(`${baseUrl}/org`);
}

/** Signs in as an organization's first administrator (as `createOrg` made it). */
export function signInAsOrgAdmin(
  page: Page,
  baseUrl: string,
  org: { slug: string; admin: { email: string; password: string } },
): Promise<void> {
  return signInAsOrgUser(page, baseUrl, {
    organization: org.slug,
    email: org.admin.email,
    password: org.admin.password,
  });
}

/** Signs out through the user menu and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId("user-menu").click();
  await page.getByTestId("sign-out").click();
  await page.waitForURL(/\/login/);
}

/**
 * Turns a checkbox or switch on or off by a DOM click on the input itself. (Mantine hides the real
 * input under its styled track, and a click at its coordinates may land on the fixed page header.)
 */
export async function setChecked(input: Locator, checked: boolean): Promise<void> {
  if ((await input.isChecked()) !== checked) await input.dispatchEvent("click");
  await expect.poll(() => input.isChecked()).toBe(checked);
}

/**
 * A screenshot for a person to look at, only when SHOTS_DIR is set (e.g. SHOTS_DIR=/tmp/shots).
 * Waits a moment first, so notifications and modal transitions have settled.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.SHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, "_")}.png`), fullPage: true });
}
