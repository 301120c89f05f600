import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { linkToken, nextMailTo, pause, plainSettings } from "../helpers/email.js";
import { adminApi, createOrg, createUser, newPassword } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

const publicUrl = "https://portal.dirigent.test";

describe.each(testDatabases())("password recovery and invitations (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let anon: Api;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    [server, smtp] = await Promise.all([
      startTestServer({ database, env: { DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_PUBLIC_URL: publicUrl } }),
      startSmtpServer(),
    ]);
    host = await adminApi(server);
    anon = new Api(server.url);
    const saved = await host.put("/host/settings/email", plainSettings(smtp));
    expect(saved.status, saved.text).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  /** Runs `fn` with the server's clock moved by `ms` (link expiry), then puts it back. */
  async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    const ctx = server.server.services.ctx;
    const real = ctx.clock;
    ctx.clock = { now: () => new Date(Date.now() + ms) };
    try {
      return await fn();
    } finally {
      ctx.clock = real;
    }
  }

  const login = (organization: string, email: string, password: string) =>
    anon.post("/auth/token", { organization, email, password });

  it("always answers 202 with the same body, and mails only existing active accounts", async () => {
    const org = await createOrg(host);
    const user = await createUser(org.admin.api, org.slug);
    const disabledUser = await createUser(org.admin.api, org.slug);
    expect(
      (await org.admin.api.patch(`/orgs/${org.slug}/users/${disabledUser.id}`, { status: "disabled" })).status,
    ).toBe(200);
    const disabledOrg = await createOrg(host);
    const inDisabledOrg = await createUser(disabledOrg.admin.api, disabledOrg.slug);
    expect((await host.patch(`/host/organizations/${disabledOrg.id}`, { status: "disabled" })).status).toBe(200);

    const requests = [
      { organization: org.slug, email: user.email },
      { organization: `${org.slug}-nope`, email: user.email },
      { organization: org.slug, email: `nobody-${user.email}` },
      { organization: org.slug, email: disabledUser.email },
      { organization: disabledOrg.slug, email: inDisabledOrg.email },
      { email: user.email },
    ];
    const answers = [];
    for (const body of requests) answers.push(await anon.post("/auth/password-recovery", body));
    for (const res of answers) {
      expect(res.status, res.text).toBe(202);
      expect(res.text).toBe(answers[0]?.text);
      expect(res.headers.get("content-type")).toBe(answers[0]?.headers.get("content-type"));
    }
    expect(answers[0]?.body).toEqual({ emailDelivery: "available" });

    const mail = await nextMailTo(smtp, user.email);
    expect(mail.parsed.subject).toBe("Dirigent: reset your password");
    await pause(300);
    expect(smtp.to(user.email)).toHaveLength(1);
    for (const other of [disabledUser.email, inDisabledOrg.email, `nobody-${user.email}`]) {
      expect(smtp.to(other)).toHaveLength(0);
    }
    const queued = await host.get("/host/email/outbox?limit=200");
    const addresses = queued.body.items.map((i: { to: string }) => i.to);
    expect(addresses).not.toContain(disabledUser.email);
    expect(addresses).not.toContain(inDisabledOrg.email);

    // The address is matched without regard to case and surrounding blanks.
    const shouted = await anon.post("/auth/password-recovery", {
      organization: org.slug.toUpperCase(),
      email: `  ${user.email.toUpperCase()} `,
    });
    expect(shouted.status).toBe(202);
    await nextMailTo(smtp, user.email, 1);

    expectProblem(await anon.post("/auth/password-recovery", { organization: org.slug }), 400, "validation-failed");
    expectProblem(
      await anon.post("/auth/password-recovery", { organization: org.slug, email: user.email, extra: 1 }),
      400,
      "validation-failed",
    );
  });

  it("recovers system administrators without an organization, matched by e-mail", async () => {
    const username = unique("sysadm");
    const email = `${username}@ops.example.test`;
    const oldPassword = newPassword();
    const created = await host.post("/host/administrators", { username, password: oldPassword, email, locale: "de" });
    expect(created.status, created.text).toBe(201);

    const res = await anon.post("/auth/password-recovery", { email: email.toUpperCase() });
    expect(res.status).toBe(202);
    const mail = await nextMailTo(smtp, email);
    expect(mail.parsed.subject).toBe("Dirigent: Passwort zurücksetzen");
    const token = linkToken(mail, "reset-password");
    const password = newPassword();
    expect((await anon.post("/auth/password-reset", { token, password })).status).toBe(204);
    expect((await anon.post("/auth/token", { username, password })).status).toBe(200);
    expect((await anon.post("/auth/token", { username, password: oldPassword })).status).toBe(401);
    const notice = await nextMailTo(smtp, email, 1);
    expect(notice.parsed.subject).toBe("Dirigent: Ihr Passwort wurde geändert");

    // With an organization given, a system administrator's address matches nothing.
    await anon.post("/auth/password-recovery", { organization: "no-such-org", email });
    await pause(300);
    expect(smtp.to(email)).toHaveLength(2);
  });

  it("resets with a single-use link, ends all sessions and sends a password-changed notice", async () => {
    const org = await createOrg(host);
    const user = await createUser(org.admin.api, org.slug);
    expect((await user.api.get("/me")).status).toBe(200);

    await anon.post("/auth/password-recovery", { organization: org.slug, email: user.email });
    const stale = linkToken(await nextMailTo(smtp, user.email), "reset-password");
    // A newer request replaces the earlier link.
    await anon.post("/auth/password-recovery", { organization: org.slug, email: user.email });
    const mail = await nextMailTo(smtp, user.email, 1);
    const token = linkToken(mail, "reset-password");
    expect(token).not.toBe(stale);
    expectProblem(
      await anon.post("/auth/password-reset", { token: stale, password: newPassword() }),
      400,
      "invalid-link",
    );

    // A password the policy refuses names the field and leaves the link usable.
    const weak = await anon.post("/auth/password-reset", { token, password: "short" });
    expect(expectProblem(weak, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["password"]);
    const noDigit = await anon.post("/auth/password-reset", { token, password: "NoDigitsHereAtAll" });
    expect(expectProblem(noDigit, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["password"]);

    const password = newPassword();
    const reset = await anon.post("/auth/password-reset", { token, password });
    expect(reset.status, reset.text).toBe(204);
    expect(reset.text).toBe("");
    expectProblem(await anon.post("/auth/password-reset", { token, password: newPassword() }), 400, "invalid-link");

    // The old session ended; the old password is gone; the new one works.
    expect((await user.api.get("/me")).status).toBe(401);
    expect((await login(org.slug, user.email, user.password)).status).toBe(401);
    expect((await login(org.slug, user.email, password)).status).toBe(200);

    const notice = await nextMailTo(smtp, user.email, 2);
    expect(notice.parsed.subject).toBe("Dirigent: your password was changed");
    expect(notice.parsed.text).toMatch(/was changed on \d{1,2} \w+ \d{4}/);
    expect(notice.parsed.text).not.toContain("token=");

    const audit = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?component=Authentication&limit=50`);
    expect(audit.body.items.filter((i: { action: string }) => i.action === "Password Reset Request")).toHaveLength(2);
    const users = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Reset%20Password`);
    expect(users.body.items[0]).toMatchObject({ target: { name: user.email }, after: { via: "password-reset" } });
    expect(audit.text + users.text).not.toContain(token);
  });

  it("honours the 60-minute lifetime of a reset link", async () => {
    const org = await createOrg(host);
    const user = await createUser(org.admin.api, org.slug);
    await anon.post("/auth/password-recovery", { organization: org.slug, email: user.email });
    const expired = linkToken(await nextMailTo(smtp, user.email), "reset-password");
    const late = await later(61 * 60_000, () =>
      anon.post("/auth/password-reset", { token: expired, password: newPassword() }),
    );
    expectProblem(late, 400, "invalid-link");

    await anon.post("/auth/password-recovery", { organization: org.slug, email: user.email });
    const fresh = linkToken(await nextMailTo(smtp, user.email, 1), "reset-password");
    const password = newPassword();
    const inTime = await later(59 * 60_000, () => anon.post("/auth/password-reset", { token: fresh, password }));
    expect(inTime.status, inTime.text).toBe(204);
    expect((await login(org.slug, user.email, password)).status).toBe(200);

    expectProblem(
      await anon.post("/auth/password-reset", { token: "dgl_not-a-real-token", password: newPassword() }),
      400,
      "invalid-link",
    );
    expectProblem(await anon.post("/auth/password-reset", { password: newPassword() }), 400, "validation-failed");
  });

  it("invites the first administrator of an organization created without a password", async () => {
    const slug = unique("inv");
    const email = `${slug}@founders.example.test`;
    const created = await host.post("/host/organizations", {
      name: `Invited ${slug}`,
      slug,
      admin: { email, name: "Founder" },
    });
    expect(created.status, created.text).toBe(201);
    const mail = await nextMailTo(smtp, email);
    expect(mail.parsed.subject).toBe(`You are invited to Invited ${slug} on Dirigent`);
    expect(mail.parsed.text).toContain(`organization "${slug}", e-mail ${email}`);
    expect(mail.parsed.text).toContain(`${publicUrl}/accept-invitation?token=dgl_`);
    const token = linkToken(mail, "accept-invitation");

    const describeRes = await anon.post("/auth/invitation", { token });
    expect(describeRes.status, describeRes.text).toBe(200);
    expect(describeRes.body).toMatchObject({ email, name: "Founder", organization: { name: `Invited ${slug}`, slug } });
    const days = (Date.parse(describeRes.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    const week = 7 * 86_400_000;
    expect((await later(week - 60_000, () => anon.post("/auth/invitation", { token }))).status).toBe(200);
    expectProblem(await later(week + 60_000, () => anon.post("/auth/invitation", { token })), 400, "invalid-link");
    // Nobody can sign in before the invitation is accepted.
    expect((await login(slug, email, "Guess-Passw0rd!")).status).toBe(401);

    const weak = await anon.post("/auth/accept-invitation", { token, password: "weak" });
    expect(expectProblem(weak, 400, "validation-failed").errors?.map((e) => e.path)).toEqual(["password"]);
    const password = newPassword();
    const accepted = await anon.post("/auth/accept-invitation", { token, password, name: "Founder Person" });
    expect(accepted.status, accepted.text).toBe(204);
    const admin = await anon.as({ organization: slug, email, password });
    const users = await admin.get(`/orgs/${slug}/users`);
    expect(users.body.items[0]).toMatchObject({ email, name: "Founder Person", role: "org_admin", hasPassword: true });

    expectProblem(await anon.post("/auth/invitation", { token }), 400, "invalid-link");
    expectProblem(await anon.post("/auth/accept-invitation", { token, password: newPassword() }), 400, "invalid-link");
    // Accepting an invitation sends no "password changed" notice.
    await pause(300);
    expect(smtp.to(email)).toHaveLength(1);
  });

  it("resends an invitation (the old link stops working), revokes it, and refuses both once a password is set", async () => {
    const org = await createOrg(host);
    const other = await createOrg(host);
    const plain = await createUser(org.admin.api, org.slug);
    const email = `${unique("invitee")}@example.com`;
    const created = await org.admin.api.post(`/orgs/${org.slug}/users`, { email, name: "Ingrid", locale: "de" });
    expect(created.status, created.text).toBe(201);
    expect(created.body.hasPassword).toBe(false);
    const path = `/orgs/${org.slug}/users/${created.body.id}/invitation`;

    const first = await nextMailTo(smtp, email);
    expect(first.parsed.subject).toBe(`Einladung zu ${org.name} in Dirigent`);
    expect(first.parsed.text).toContain("7 Tage gültig");
    const firstToken = linkToken(first, "accept-invitation");

    expectProblem(
      await other.admin.api.post(`/orgs/${other.slug}/users/${created.body.id}/invitation`),
      404,
      "not-found",
    );
    expectProblem(await other.admin.api.post(path), 404, "not-found");
    expectProblem(await plain.api.post(path), 403, "forbidden");

    expect((await org.admin.api.post(path)).status).toBe(204);
    const secondToken = linkToken(await nextMailTo(smtp, email, 1), "accept-invitation");
    expect(secondToken).not.toBe(firstToken);
    expectProblem(await anon.post("/auth/invitation", { token: firstToken }), 400, "invalid-link");
    expect((await anon.post("/auth/invitation", { token: secondToken })).status).toBe(200);

    expectProblem(await plain.api.delete(path), 403, "forbidden");
    expect((await org.admin.api.delete(path)).status).toBe(204);
    expectProblem(await anon.post("/auth/invitation", { token: secondToken }), 400, "invalid-link");
    expectProblem(
      await anon.post("/auth/accept-invitation", { token: secondToken, password: newPassword() }),
      400,
      "invalid-link",
    );

    // The system administrator may resend too.
    expect((await host.post(path)).status).toBe(204);
    const thirdToken = linkToken(await nextMailTo(smtp, email, 2), "accept-invitation");
    expect((await anon.post("/auth/accept-invitation", { token: thirdToken, password: newPassword() })).status).toBe(
      204,
    );
    expectProblem(await org.admin.api.post(path), 409, "conflict");
    expectProblem(await org.admin.api.delete(path), 409, "conflict");

    const audit = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?component=Users&limit=50`);
    const actions = audit.body.items.map((i: { action: string }) => i.action);
    expect(actions).toContain("Invite");
    expect(actions).toContain("Revoke");
    expect(actions).toContain("Activate");
  });
});
