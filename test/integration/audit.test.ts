import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSecuritySettings } from "../../src/domain/password-policy.js";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { parseCsv } from "../helpers/csv.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createAdmin, createOrg, createUser, newPassword, RecordingApi } from "../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface AuditRow {
  id: number;
  time: string;
  actor: { kind: string; id: number | null; name: string };
  component: string;
  action: string;
  target: { type: string; id: string; name: string | null } | null;
  // biome-ignore lint/suspicious/noExplicitAny: audit values are arbitrary JSON.
  before: any;
  // biome-ignore lint/suspicious/noExplicitAny: audit values are arbitrary JSON.
  after: any;
  clientIp: string | null;
  userAgent: string | null;
}

const csvHeader = [
  "Time",
  "Actor",
  "Actor type",
  "Component",
  "Action",
  "Target type",
  "Target id",
  "Target",
  "Before",
  "After",
  "Client IP",
  "User agent",
];

describe.each(testDatabases())("audit logs on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let adminId: number;
  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
    adminId = (await host.get("/me")).body.id;
  });
  afterAll(async () => server?.stop());

  /** Every row of a log matching the query, following the cursor. */
  async function allRows(api: Api, base: string, query = ""): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    let cursor: string | null = null;
    do {
      const sep = query ? "&" : "";
      const res: { status: number; body: { items: AuditRow[]; nextCursor: string | null } } = await api.get(
        `${base}?${query}${sep}limit=500${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }

  describe("host actions", () => {
    it("writes a row with actor, component, action, target, before/after, client IP and user agent for each action", async () => {
      const ua = unique("agent/1.0");
      const send = (method: string, path: string, body?: unknown) =>
        host.request(method, path, body, { "user-agent": ua });
      const slug = unique("aud");
      const email = `${unique("o")}@example.com`;
      const created = await send("POST", "/host/organizations", {
        name: `Audit ${slug}`,
        slug,
        admin: { email, password: newPassword() },
      });
      expect(created.status).toBe(201);
      const orgId = String(created.body.id);
      await send("PATCH", `/host/organizations/${slug}`, { name: `Renamed ${slug}` });
      await send("PATCH", `/host/organizations/${slug}`, { status: "disabled" });
      await send("PATCH", `/host/organizations/${slug}`, { status: "active" });
      const tenant = await send("POST", `/host/organizations/${slug}/tenants`, { name: "Extra" });
      await send("PATCH", `/host/organizations/${slug}/tenants/${tenant.body.id}`, { name: "Extra2" });
      await send("PUT", "/host/settings/security", { ...defaultSecuritySettings, lockoutThreshold: 7 });
      await send("PUT", "/host/settings/security", defaultSecuritySettings);
      await send("DELETE", `/host/organizations/${slug}`);

      // Oldest first; only this test's requests carry this user agent.
      const mine = (await allRows(host, "/host/audit-logs")).filter((r) => r.userAgent === ua).reverse();
      const actor = { kind: "admin", id: adminId, name: "admin" };
      const orgTarget = (name: string) => ({ type: "organization", id: orgId, name });
      for (const row of mine) {
        expect(row.actor).toEqual(actor);
        expect(row.clientIp).toBe("127.0.0.1");
        expect(row.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      expect(mine.map((r) => [r.component, r.action, r.target])).toEqual([
        ["Organizations", "Create", orgTarget(`Audit ${slug}`)],
        ["Organizations", "Update", orgTarget(`Renamed ${slug}`)],
        ["Organizations", "Deactivate", orgTarget(`Renamed ${slug}`)],
        ["Organizations", "Activate", orgTarget(`Renamed ${slug}`)],
        ["Tenants", "Create", { type: "tenant", id: String(tenant.body.id), name: "Extra" }],
        ["Tenants", "Update", { type: "tenant", id: String(tenant.body.id), name: "Extra2" }],
        ["Settings", "Update", { type: "settings", id: "security", name: "Security" }],
        ["Settings", "Update", { type: "settings", id: "security", name: "Security" }],
        ["Organizations", "Delete", orgTarget(`Renamed ${slug}`)],
      ]);
      const [create, rename, disable, enable, tCreate, tRename, s1, s2, del] = mine;
      expect(create?.before).toBeNull();
      expect(create?.after).toEqual({
        id: created.body.id,
        name: `Audit ${slug}`,
        slug,
        status: "active",
        createdAt: created.body.createdAt,
        updatedAt: created.body.updatedAt,
        tenants: ["Default"],
        admin: { email, name: email, locale: "en", hasPassword: true },
      });
      expect(rename?.before).toMatchObject({ name: `Audit ${slug}` });
      expect(rename?.after).toMatchObject({ name: `Renamed ${slug}` });
      expect(rename?.before.slug).toBeUndefined();
      expect(disable?.before).toMatchObject({ status: "active" });
      expect(disable?.after).toMatchObject({ status: "disabled" });
      expect(enable?.after).toMatchObject({ status: "active" });
      expect(tCreate?.after).toMatchObject({ name: "Extra", status: "active", orgId: created.body.id });
      expect(tRename?.before).toMatchObject({ name: "Extra" });
      expect(tRename?.after).toMatchObject({ name: "Extra2" });
      expect(s1?.before).toEqual({ lockoutThreshold: 5 });
      expect(s1?.after).toEqual({ lockoutThreshold: 7 });
      expect(s2?.before).toEqual({ lockoutThreshold: 7 });
      expect(del?.before).toMatchObject({ id: created.body.id, slug, name: `Renamed ${slug}` });
      expect(del?.after).toBeNull();
    });

    it("audits administrator logins and failed logins", async () => {
      const admin = await createAdmin(host);
      const ua = unique("login-agent");
      await new Api(server.url).request(
        "POST",
        "/auth/token",
        { username: admin.username, password: "Nope-Passw0rd" },
        {
          "user-agent": ua,
        },
      );
      await new Api(server.url).request(
        "POST",
        "/auth/token",
        { username: admin.username, password: admin.password },
        {
          "user-agent": ua,
        },
      );
      const rows = await allRows(host, "/host/audit-logs", `component=Authentication&actor=${admin.username}`);
      const withUa = rows.filter((r) => r.userAgent === ua);
      expect(withUa.map((r) => r.action)).toEqual(["Login", "Login Failed"]);
      for (const r of withUa) {
        expect(r).toMatchObject({
          actor: { kind: "admin", id: admin.id, name: admin.username },
          target: { type: "admin", id: String(admin.id), name: admin.username },
          clientIp: "127.0.0.1",
          before: null,
          after: null,
        });
      }
    });

    it("does not log failed logins of unknown accounts under their made-up names", async () => {
      const ghost = unique("ghost");
      await new Api(server.url).post("/auth/token", { username: ghost, password: "Whatever-1" });
      expect((await host.get(`/host/audit-logs?q=${ghost}`)).body.items).toEqual([]);
    });
  });

  describe("filters, pagination and CSV", () => {
    let actor: string;
    let orgName: string;
    let tenantName: string;
    let rows: AuditRow[];

    beforeAll(async () => {
      // One administrator's own actions: a login, an organization created and renamed, a tenant.
      const admin = await createAdmin(host);
      actor = admin.username;
      const slug = unique("flt");
      orgName = `Filter ${slug}`;
      tenantName = unique("Tn");
      expect(
        (await admin.api.post("/host/organizations", { name: orgName, slug, admin: { email: "f@example.com" } }))
          .status,
      ).toBe(201);
      expect((await admin.api.patch(`/host/organizations/${slug}`, { name: `${orgName} 2` })).status).toBe(200);
      expect((await admin.api.post(`/host/organizations/${slug}/tenants`, { name: tenantName })).status).toBe(201);
      rows = await allRows(host, "/host/audit-logs", `actor=${actor}`);
    });

    const ids = (items: AuditRow[]) => items.map((r) => r.id);

    it("filters by actor, newest first", async () => {
      expect(rows.map((r) => [r.component, r.action])).toEqual([
        ["Tenants", "Create"],
        ["Organizations", "Update"],
        ["Organizations", "Create"],
        ["Authentication", "Login"],
      ]);
      expect(rows.every((r) => r.actor.name === actor)).toBe(true);
      const sorted = [...ids(rows)].sort((a, b) => b - a);
      expect(ids(rows)).toEqual(sorted);
      // Case-insensitive, part of the name.
      expect(ids(await allRows(host, "/host/audit-logs", `actor=${actor.toUpperCase()}`))).toEqual(ids(rows));
    });

    it("filters by component and action, combined with the actor", async () => {
      const orgs = await allRows(host, "/host/audit-logs", `actor=${actor}&component=Organizations`);
      expect(orgs.map((r) => r.action)).toEqual(["Update", "Create"]);
      const updates = await allRows(host, "/host/audit-logs", `actor=${actor}&component=Organizations&action=Update`);
      expect(ids(updates)).toEqual([rows[1]?.id]);
      expect(await allRows(host, "/host/audit-logs", `actor=${actor}&component=Tenants&action=Update`)).toEqual([]);
      // Component and action match exactly.
      expect(await allRows(host, "/host/audit-logs", `actor=${actor}&component=Organization`)).toEqual([]);
    });

    it("searches free text in targets and values, case-insensitively", async () => {
      expect(ids(await allRows(host, "/host/audit-logs", `q=${tenantName.toLowerCase()}`))).toEqual([rows[0]?.id]);
      const byOrg = await allRows(
        host,
        "/host/audit-logs",
        `actor=${actor}&q=${encodeURIComponent(orgName.toUpperCase())}`,
      );
      expect(ids(byOrg)).toEqual([rows[1]?.id, rows[2]?.id]);
    });

    it("filters by time range, inclusive, with any ISO-8601 offset", async () => {
      const oldest = rows[3] as AuditRow;
      const newest = rows[0] as AuditRow;
      const all = await allRows(host, "/host/audit-logs", `actor=${actor}&from=${oldest.time}&to=${newest.time}`);
      expect(ids(all)).toEqual(ids(rows));
      const from = rows[1]?.time as string;
      const fromRows = await allRows(host, "/host/audit-logs", `actor=${actor}&from=${from}`);
      expect(ids(fromRows)).toEqual(ids(rows.filter((r) => r.time >= from)));
      expect(fromRows.length).toBeGreaterThanOrEqual(2);
      const toRows = await allRows(host, "/host/audit-logs", `actor=${actor}&to=${from}`);
      expect(ids(toRows)).toEqual(ids(rows.filter((r) => r.time <= from)));
      expect(toRows.length).toBeGreaterThanOrEqual(3);
      // The same instant written with a +02:00 offset.
      const t = new Date(Date.parse(from) + 2 * 3600_000).toISOString().replace("Z", "+02:00");
      expect(ids(await allRows(host, "/host/audit-logs", `actor=${actor}&from=${encodeURIComponent(t)}`))).toEqual(
        ids(fromRows),
      );
      expect(await allRows(host, "/host/audit-logs", `actor=${actor}&from=2999-01-01T00:00:00Z`)).toEqual([]);
      expect(await allRows(host, "/host/audit-logs", `actor=${actor}&to=2000-01-01T00:00:00Z`)).toEqual([]);
      // Filters combine.
      const combined = await allRows(
        host,
        "/host/audit-logs",
        `actor=${actor}&component=Organizations&from=${oldest.time}&to=${newest.time}&q=${encodeURIComponent(orgName)}`,
      );
      expect(ids(combined)).toEqual([rows[1]?.id, rows[2]?.id]);
    });

    it("pages with a cursor: no duplicates, no gaps, newest first", async () => {
      const first = await host.get(`/host/audit-logs?actor=${actor}&limit=3`);
      expect(first.body.items).toHaveLength(3);
      expect(first.body.nextCursor).toBe(String(rows[2]?.id));
      const second = await host.get(`/host/audit-logs?actor=${actor}&limit=3&cursor=${first.body.nextCursor}`);
      expect(ids(second.body.items)).toEqual([rows[3]?.id]);
      expect(second.body.nextCursor).toBeNull();
      const exact = await host.get(`/host/audit-logs?actor=${actor}&limit=4`);
      expect(exact.body.items).toHaveLength(4);
      expect(exact.body.nextCursor).toBeNull();
      let cursor: string | null = null;
      const seen: number[] = [];
      do {
        const page: { body: { items: AuditRow[]; nextCursor: string | null } } = await host.get(
          `/host/audit-logs?actor=${actor}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.body.items.length).toBe(1);
        seen.push(...ids(page.body.items));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(ids(rows));
    });

    it("exports the filtered rows as a CSV download with a header row", async () => {
      const res = await host.get(`/host/audit-logs.csv?actor=${actor}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toMatch(
        /^attachment; filename="dirigent-audit-\d{4}-\d\d-\d\d\.csv"$/,
      );
      const csv = parseCsv(res.text);
      expect(csv[0]).toEqual(csvHeader);
      expect(csv.slice(1)).toEqual(
        rows.map((r) => [
          r.time,
          r.actor.name,
          r.actor.kind,
          r.component,
          r.action,
          r.target?.type ?? "",
          r.target?.id ?? "",
          r.target?.name ?? "",
          r.before === null ? "" : JSON.stringify(r.before),
          r.after === null ? "" : JSON.stringify(r.after),
          r.clientIp ?? "",
          r.userAgent ?? "",
        ]),
      );
    });

    it("applies every filter to the CSV export", async () => {
      const res = await host.get(`/host/audit-logs.csv?actor=${actor}&component=Organizations&action=Create`);
      const csv = parseCsv(res.text);
      expect(csv).toHaveLength(2);
      expect(csv[1]?.slice(3, 5)).toEqual(["Organizations", "Create"]);
      const timed = parseCsv((await host.get(`/host/audit-logs.csv?actor=${actor}&to=2000-01-01T00:00:00Z`)).text);
      expect(timed).toEqual([csvHeader]);
      const q = parseCsv((await host.get(`/host/audit-logs.csv?q=${tenantName}`)).text);
      expect(q.slice(1).map((r) => r[7])).toEqual([tenantName]);
      expectProblem(await host.get("/host/audit-logs.csv?from=never"), 400, "validation-failed");
    });
  });

  describe("organization logs", () => {
    it("logs an org admin's actions in the organization's log, visible to its org admins only", async () => {
      const org = await createOrg(host);
      const other = await createOrg(host);
      const ua = unique("org-agent");
      const email = `${unique("new")}@example.com`;
      const created = await org.admin.api.request(
        "POST",
        `/orgs/${org.slug}/users`,
        { email, password: newPassword() },
        {
          "user-agent": ua,
        },
      );
      expect(created.status).toBe(201);

      const log = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?component=Users`);
      expect(log.status).toBe(200);
      expect(log.body.items).toEqual([
        {
          id: expect.any(Number),
          time: expect.any(String),
          actor: { kind: "user", id: org.admin.id, name: org.admin.email },
          component: "Users",
          action: "Create",
          target: { type: "user", id: String(created.body.id), name: email },
          before: null,
          after: expect.objectContaining({ id: created.body.id, email, role: "user", hasPassword: true }),
          clientIp: "127.0.0.1",
          userAgent: ua,
        },
      ]);
      expect(log.body.nextCursor).toBeNull();
      // Its logins are there too.
      const logins = await org.admin.api.get(`/orgs/${org.slug}/audit-logs?action=Login`);
      expect(logins.body.items.every((r: AuditRow) => r.actor.name === org.admin.email)).toBe(true);
      expect(logins.body.items.length).toBeGreaterThanOrEqual(1);

      // Not in the host log, not in another organization's log.
      expect((await host.get(`/host/audit-logs?q=${email}`)).body.items).toEqual([]);
      expect((await other.admin.api.get(`/orgs/${other.slug}/audit-logs?q=${email}`)).body.items).toEqual([]);
      // Only its organization administrators (and system administrators) may read it.
      const user = await createUser(org.admin.api, org.slug);
      expectProblem(await user.api.get(`/orgs/${org.slug}/audit-logs`), 403, "forbidden");
      expectProblem(await user.api.get(`/orgs/${org.slug}/audit-logs.csv`), 403, "forbidden");
      expectProblem(await other.admin.api.get(`/orgs/${org.slug}/audit-logs`), 404, "not-found");
      expectProblem(await other.admin.api.get(`/orgs/${org.slug}/audit-logs.csv`), 404, "not-found");
      const asHost = await host.get(`/orgs/${org.id}/audit-logs?q=${email}`);
      expect(asHost.body.items.map((r: AuditRow) => r.id)).toEqual([log.body.items[0].id]);

      const csv = await org.admin.api.get(`/orgs/${org.slug}/audit-logs.csv?component=Users&action=Create&q=${email}`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(csv.headers.get("content-disposition")).toMatch(/^attachment; /);
      const parsed = parseCsv(csv.text);
      expect(parsed[0]).toEqual(csvHeader);
      expect(parsed.slice(1).map((r) => [r[1], r[3], r[4], r[7]])).toEqual([
        [org.admin.email, "Users", "Create", email],
      ]);
    });

    it("removes an organization's own log with the organization, keeping the deletion in the host log", async () => {
      const org = await createOrg(host);
      const email = `${unique("gone")}@example.com`;
      await org.admin.api.post(`/orgs/${org.slug}/users`, { email });
      expect((await host.delete(`/host/organizations/${org.slug}`)).status).toBe(204);
      expectProblem(await host.get(`/orgs/${org.slug}/audit-logs`), 404, "not-found");
      const hostRows = await allRows(host, "/host/audit-logs", `component=Organizations&action=Delete&q=${org.slug}`);
      expect(hostRows).toHaveLength(1);
    });
  });

  describe("secrets", () => {
    it("never shows a password or token in any audit row, CSV export, API answer or log line", async () => {
      const record: { method: string; path: string; text: string; headers: string }[] = [];
      const base = new RecordingApi(server.url, undefined, record);
      const passwords: string[] = [];
      const tokens: string[] = [];
      const pw = () => {
        const p = newPassword();
        passwords.push(p);
        return p;
      };
      const bearer = async (credentials: object) => {
        const res = await base.post("/auth/token", credentials);
        expect(res.status, res.text).toBe(200);
        tokens.push(res.body.accessToken);
        return base.withToken(res.body.accessToken);
      };

      const h = await bearer({ username: "admin", password: server.adminPassword });
      // A system administrator with a password, then reset, then its own change.
      const adminName = unique("sec");
      const adminPw = pw();
      const admin = await h.post("/host/administrators", {
        username: adminName,
        password: adminPw,
        email: "s@example.com",
      });
      expect(admin.status).toBe(201);
      const resetPw = pw();
      expect((await h.post(`/host/administrators/${admin.body.id}/password`, { password: resetPw })).status).toBe(204);
      const a = await bearer({ username: adminName, password: resetPw });
      const ownPw = pw();
      expect((await a.post("/me/password", { currentPassword: resetPw, newPassword: ownPw })).status).toBe(204);
      // A wrong password, and a password typed into the username field by mistake.
      const typo = pw();
      await base.post("/auth/token", { username: adminName, password: typo });
      const misplaced = `Mis-${pw()}`;
      passwords.push(misplaced);
      await base.post("/auth/token", { username: misplaced, password: "x" });

      // An organization whose first administrator has a password, a user, a reset, a change.
      const slug = unique("secorg");
      const orgAdminEmail = `${unique("sa")}@example.com`;
      const orgAdminPw = pw();
      expect(
        (
          await h.post("/host/organizations", {
            name: "Secret Org",
            slug,
            admin: { email: orgAdminEmail, password: orgAdminPw },
          })
        ).status,
      ).toBe(201);
      const oa = await bearer({ organization: slug, email: orgAdminEmail, password: orgAdminPw });
      const userEmail = `${unique("su")}@example.com`;
      const userPw = pw();
      const user = await oa.post(`/orgs/${slug}/users`, { email: userEmail, password: userPw, role: "user" });
      expect(user.status).toBe(201);
      const userResetPw = pw();
      expect((await oa.post(`/orgs/${slug}/users/${user.body.id}/password`, { password: userResetPw })).status).toBe(
        204,
      );
      const u = await bearer({ organization: slug, email: userEmail, password: userResetPw });
      const userOwnPw = pw();
      expect((await u.post("/me/password", { currentPassword: userResetPw, newPassword: userOwnPw })).status).toBe(204);

      // Personal access tokens, a UI session with its CSRF token.
      for (const api of [a, u]) {
        const pat = await api.post("/me/tokens", { name: "automation" });
        expect(pat.status).toBe(201);
        tokens.push(pat.body.token);
        expect((await api.withToken(pat.body.token).get("/me")).status).toBe(200);
        await api.get("/me/tokens");
      }
      const login = await base.post("/auth/login", { organization: slug, email: userEmail, password: userOwnPw });
      expect(login.status).toBe(200);
      const cookie = (login.headers.getSetCookie()[0] as string).split(";")[0] as string;
      tokens.push(cookie.split("=")[1] as string, login.body.csrfToken);
      await base.request("GET", "/auth/session", undefined, { cookie });
      await base.request("PATCH", "/me", { name: "Session User" }, { cookie, "x-csrf-token": login.body.csrfToken });

      // Read everything back.
      await h.get("/host/administrators?limit=500");
      await h.get(`/orgs/${slug}/users`);
      const hostRows = await allRows(h, "/host/audit-logs");
      const orgRows = await allRows(oa, `/orgs/${slug}/audit-logs`);
      const hostCsv = (await h.get("/host/audit-logs.csv")).text;
      const orgCsv = (await oa.get(`/orgs/${slug}/audit-logs.csv`)).text;
      expect(orgRows.length).toBeGreaterThanOrEqual(6);
      expect(hostRows.some((r) => r.action === "Change Password")).toBe(true);
      expect(orgRows.some((r) => r.action === "Reset Password")).toBe(true);

      const audit = JSON.stringify([hostRows, orgRows]) + hostCsv + orgCsv;
      const logs = server.logs.join("");
      expect(logs.length).toBeGreaterThan(0);
      for (const secret of [...passwords, server.adminPassword]) {
        expect(audit.includes(secret), `password ${secret} in the audit log`).toBe(false);
        expect(logs.includes(secret), `password ${secret} in the server log`).toBe(false);
        for (const r of record) {
          expect(r.text.includes(secret) || r.headers.includes(secret), `password in ${r.method} ${r.path}`).toBe(
            false,
          );
        }
      }
      // Token values only ever appear in the one answer that issues them.
      const issuing = new Set(["POST /auth/token", "POST /auth/login", "POST /me/tokens", "GET /auth/session"]);
      for (const token of tokens) {
        expect(audit.includes(token), "token in the audit log").toBe(false);
        expect(logs.includes(token), "token in the server log").toBe(false);
        const shown = record.filter((r) => r.text.includes(token) || r.headers.includes(token));
        for (const r of shown)
          expect(issuing.has(`${r.method} ${r.path}`), `token in ${r.method} ${r.path}`).toBe(true);
      }
      // Nor password hashes.
      expect(audit).not.toContain("$argon2");
      expect(record.some((r) => r.text.includes("$argon2"))).toBe(false);
    });
  });
});
