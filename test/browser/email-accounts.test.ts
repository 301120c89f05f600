import { afterAll, beforeAll, expect, it } from "vitest";
import { type Api, unique } from "../helpers/api.js";
import {
  BROWSER_TEST_TIMEOUT,
  type BrowserSession,
  describeWithChromium,
  launchBrowser,
  signInAsOrgAdmin,
  signInAsOrgUser,
} from "../helpers/browser.js";
import { nextMailTo, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, newPassword, type TestOrg } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { ReceivedMail } from "../helpers/smtp.js";
import { closedPort, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

/** The `/reset-password?token=…` or `/accept-invitation?token=…` link of a received mail, as sent. */
function linkIn(mail: ReceivedMail, path: "reset-password" | "accept-invitation"): string {
  const match = new RegExp(`https?://[^\\s"<>]+/${path}\\?token=[\\w%-]+`).exec(mail.parsed.text ?? "");
  expect(match, mail.parsed.text).not.toBeNull();
  return (match as RegExpExecArray)[0];
}

describeWithChromium("password recovery and invitations in the browser", (chromiumPath) => {
  let server: TestServer;
  let smtp: TestSmtpServer;
  let host: Api;
  let org: TestOrg;
  let browser: BrowserSession;

  beforeAll(async () => {
    // Links in e-mails point at DIRIGENT_PUBLIC_URL: make it this very server, so a link opens as sent.
    const port = await closedPort();
    [server, smtp] = await Promise.all([
      startTestServer({
        env: {
          DIRIGENT_PORT: String(port),
          DIRIGENT_PUBLIC_URL: `http://127.0.0.1:${port}`,
          DIRIGENT_MAIL_POLL_MS: "100",
        },
      }),
      startSmtpServer(),
    ]);
    host = await adminApi(server);
    org = await createOrg(host);
    browser = await launchBrowser(chromiumPath);
  });

  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
    await server?.stop();
  });

  it(
    "resets a forgotten password through the e-mailed link and signs in with the new one",
    async () => {
      const { page } = browser;
      // Before e-mail is set up the page says so (and still tells nothing about the account).
      await page.goto(`${server.url}/login?as=organization`);
      await page.getByTestId("forgot-password-link").click();
      await page.waitForURL(/\/forgot-password/);
      const form = page.getByTestId("recovery-form");
      await form.locator('input[name="organization"]').fill(org.slug);
      await form.locator('input[name="email"]').fill(`nobody-${unique("x")}@example.com`);
      await page.getByTestId("recovery-submit").click();
      await page.getByTestId("recovery-unavailable").waitFor();
      expect(await page.getByTestId("recovery-sent").textContent()).toContain("If an account exists");

      const saved = await host.put("/host/settings/email", plainSettings(smtp));
      expect(saved.status, saved.text).toBe(200);

      await page.goto(`${server.url}/forgot-password`);
      await form.locator('input[name="organization"]').fill(org.slug);
      await form.locator('input[name="email"]').fill(org.admin.email);
      await page.getByTestId("recovery-submit").click();
      await page.getByTestId("recovery-sent").waitFor();
      expect(await page.getByTestId("recovery-result").getAttribute("data-delivery")).toBe("available");
      expect(await page.getByTestId("recovery-unavailable").count()).toBe(0);

      const mail = await nextMailTo(smtp, org.admin.email);
      const link = linkIn(mail, "reset-password");
      expect(link.startsWith(server.url)).toBe(true);
      await page.goto(link);
      const reset = page.getByTestId("reset-form");
      const password = newPassword();
      await reset.locator('input[name="password"]').fill(password);
      await reset.locator('input[name="passwordConfirm"]').fill(`${password}-typo`);
      await page.getByTestId("reset-submit").click();
      expect(await reset.getByText("The passwords do not match.").count()).toBe(1);
      await reset.locator('input[name="passwordConfirm"]').fill(password);
      await page.getByTestId("reset-submit").click();
      await page.waitForURL(/\/login\?notice=password-reset/);
      await page.getByTestId("login-notice").waitFor();

      await signInAsOrgUser(page, server.url, { organization: org.slug, email: org.admin.email, password });
      // A "password changed" notice follows the reset.
      const changed = await nextMailTo(smtp, org.admin.email, 1);
      expect(changed.parsed.subject).toMatch(/password/i);

      // The link is spent: opening it again says so and offers a new one.
      await page.goto(link);
      const another = newPassword();
      await reset.locator('input[name="password"]').fill(another);
      await reset.locator('input[name="passwordConfirm"]').fill(another);
      await page.getByTestId("reset-submit").click();
      await page.getByTestId("invalid-link").waitFor();
      await page.getByTestId("request-new-link").click();
      await page.waitForURL(/\/forgot-password/);
      org.admin.password = password;
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "invites a user created without a password; the newest link sets the password and the user signs in",
    async () => {
      const { page } = browser;
      const email = `${unique("invitee")}@example.com`;
      await page.context().clearCookies();
      await signInAsOrgAdmin(page, server.url, org);
      await page.getByTestId("nav-users").click();
      await page.getByTestId("users-table").waitFor();
      await page.getByTestId("new-user").first().click();
      const create = page.getByTestId("create-user-form");
      await create.locator('input[name="email"]').fill(email);
      await create.locator('input[name="name"]').fill("Ingrid Invitee");
      expect(await page.getByTestId("invitation-notice").textContent()).toContain(email);
      await page.getByTestId("create-user-submit").click();
      const row = page.getByTestId(`user-row-${email}`);
      await row.getByTestId("invited-badge").waitFor();
      const first = await nextMailTo(smtp, email);

      // Resend: a second invitation arrives and the first link stops working.
      await row.getByTestId("row-actions").click();
      await page.getByTestId("resend-invitation").click();
      await page.getByTestId("confirm-button").click();
      const second = await nextMailTo(smtp, email, 1);
      const oldLink = linkIn(first, "accept-invitation");
      const link = linkIn(second, "accept-invitation");
      expect(link).not.toBe(oldLink);

      // Sign out, as the invited person would not be signed in as the administrator.
      await page.context().clearCookies();
      await page.goto(oldLink);
      await page.getByTestId("invalid-link").waitFor();

      await page.goto(link);
      await page.getByTestId("invitation-info").waitFor();
      expect(await page.getByTestId("invitation-org").textContent()).toBe(org.name);
      expect(await page.getByTestId("invitation-email").textContent()).toBe(email);
      const accept = page.getByTestId("accept-invitation-form");
      expect(await accept.locator('input[name="name"]').inputValue()).toBe("Ingrid Invitee");
      const password = newPassword();
      await accept.locator('input[name="password"]').fill(password);
      await accept.locator('input[name="passwordConfirm"]').fill(password);
      await page.getByTestId("accept-invitation-submit").click();

      // On to the sign-in page with the organization and e-mail filled in.
      await page.waitForURL(/\/login\?/);
      await page.getByTestId("login-notice").waitFor();
      expect(await page.locator('input[name="organization"]').inputValue()).toBe(org.slug);
      expect(await page.locator('input[name="email"]').inputValue()).toBe(email);
      await page.locator('input[name="password"]').fill(password);
      await page.getByTestId("login-submit").click();
      await page.waitForURL(`${server.url}/org`);
      await page.getByTestId("org-overview-name").waitFor();
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    "revokes an invitation and lets an administrator set the password instead",
    async () => {
      const { page } = browser;
      const email = `${unique("revoked")}@example.com`;
      // (The reset above ended the administrator's API sessions: create the user as the system administrator.)
      const created = await host.post(`/orgs/${org.slug}/users`, { email });
      expect(created.status, created.text).toBe(201);
      const invitation = await nextMailTo(smtp, email);

      await page.context().clearCookies();
      await signInAsOrgAdmin(page, server.url, org);
      await page.getByTestId("nav-users").click();
      const row = page.getByTestId(`user-row-${email}`);
      await row.getByTestId("row-actions").click();
      await page.getByTestId("revoke-invitation").click();
      await page.getByTestId("confirm-button").click();
      await page.getByTestId("confirm-modal").waitFor({ state: "hidden" });

      await row.getByTestId("row-actions").click();
      await page.getByTestId("set-password").click();
      const form = page.getByTestId("set-password-form");
      const password = newPassword();
      await form.locator('input[name="password"]').fill(password);
      await form.locator('input[name="passwordConfirm"]').fill(password);
      await page.getByTestId("set-password-submit").click();
      await row.getByTestId("invited-badge").waitFor({ state: "detached" });

      // The revoked link no longer works.
      const token = decodeURIComponent(linkIn(invitation, "accept-invitation").split("token=")[1] as string);
      const describe = await host.post("/auth/invitation", { token });
      expect(describe.status).toBe(400);
      expect(describe.body.type).toBe("invalid-link");
    },
    BROWSER_TEST_TIMEOUT,
  );
});
