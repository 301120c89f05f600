import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { plainSettings, waitForOutbox } from "../helpers/email.js";
import { adminApi, createOrg, newPassword } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.js";

/**
 * An organization that uses the installation's e-mail server learns that a message failed, not
 * the server's address, port, sender or replies (issue #12, leftover of defect 15): the outbox
 * rows organization administrators read carry a neutral `lastError`; system administrators see
 * the real one.
 */
describe.each(testDatabases())("host SMTP details in the organization outbox (%s)", (database) => {
  let server: TestServer;
  let host: Api;
  let smtp: TestSmtpServer;
  const sender = "relay-sender@host-secret.example";

  beforeAll(async () => {
    server = await startTestServer({
      database,
      env: { DIRIGENT_MAIL_POLL_MS: "100", DIRIGENT_PUBLIC_URL: "https://dirigent.example.test" },
    });
    host = await adminApi(server);
    smtp = await startSmtpServer({
      rejectAll: { code: 550, message: `Relay denied for ${sender} at mx.host-secret.example` },
    });
    const res = await host.put("/host/settings/email", plainSettings(smtp, { fromAddress: sender }));
    expect(res.status, res.text).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it("hides the host server's details from the organization administrator and shows them to the system administrator", async () => {
    const org = await createOrg(host);
    const email = `invitee-${Date.now()}@example.com`;
    const created = await org.admin.api.post(`/orgs/${org.slug}/users`, { email, password: newPassword() });
    expect(created.status, created.text).toBe(201);
    const recovery = await new Api(server.url).post("/auth/password-recovery", { organization: org.slug, email });
    expect(recovery.status).toBe(202);

    const seen = await waitForOutbox(host, "/host/email/outbox", (i) => i.to === email && i.status === "failed");
    expect(seen.settingsSource).toBe("host");
    expect(seen.lastError).toContain("host-secret.example");

    const list = await org.admin.api.get(`/orgs/${org.slug}/email/outbox?limit=200`);
    expect(list.status, list.text).toBe(200);
    const item = list.body.items.find((i: { to: string }) => i.to === email);
    expect(item.status).toBe("failed");
    expect(item.lastError).toBe("The installation's e-mail server could not deliver this message.");
    const detail = await org.admin.api.get(`/orgs/${org.slug}/email/outbox/${item.id}`);
    expect(detail.status).toBe(200);
    for (const text of [list.text, detail.text]) {
      expect(text).not.toContain("host-secret.example");
      expect(text).not.toContain(String(smtp.port));
      expect(text).not.toContain("127.0.0.1");
    }
  });
});
