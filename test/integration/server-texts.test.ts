import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemLocale } from "../../src/http/problem-language.js";
import { jobReasonCodes, jobReasonText } from "../../src/shared/job-reasons.js";
import { expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg, type TestOrg } from "../helpers/fixtures.js";
import { getJob, startJobs } from "../helpers/jobs.js";
import { manifest, packageFiles, tgz, uploadPackage } from "../helpers/packages.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe.each(testDatabases())("server texts in the reader's language on %s", (database) => {
  let server: TestServer;
  let org: TestOrg;
  let t: string;
  let folderId: number;
  let processId: number;

  beforeAll(async () => {
    server = await startTestServer({ database, env: { DIRIGENT_SERVICES: "mail" } });
    org = await createOrg(await adminApi(server));
    t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const api = org.admin.api;
    folderId = (await api.post(`${t}/folders`, { name: "Buchhaltung" })).body.id;
    const up = await uploadPackage(api, t, await tgz(packageFiles(manifest({ name: "rechnungen", version: "1.0.0" }))));
    expect(up.status, up.text).toBe(201);
    const proc = await api.post(`${t}/folders/${folderId}/processes`, {
      name: "Rechnungen",
      packageName: "rechnungen",
    });
    expect(proc.status, proc.text).toBe(201);
    processId = proc.body.id;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("answers a problem's title, detail and field messages in German for Accept-Language: de, the type unchanged", async () => {
    const api = org.admin.api;
    const body = { processId: "x", unknownThing: 1 };
    const en = await api.request("POST", `${t}/folders/${folderId}/jobs`, body);
    expectProblem(en, 400, "validation-failed");
    expect(en.body.title).toBe("Validation failed");
    expect(en.body.detail).toBe("The request body is invalid.");

    const de = await api.request("POST", `${t}/folders/${folderId}/jobs`, body, {
      "accept-language": "de-DE,de;q=0.9,en;q=0.8",
    });
    expectProblem(de, 400, "validation-failed");
    expect(de.body.title).toBe("Ungültige Eingabe");
    expect(de.body.detail).toBe("Der Inhalt der Anfrage ist ungültig.");
    // The same fields are named, in German.
    expect(de.body.errors.map((e: { path: string }) => e.path)).toEqual(
      en.body.errors.map((e: { path: string }) => e.path),
    );
    expect(de.body.errors).toContainEqual({ path: "unknownThing", message: "ist kein bekanntes Feld" });

    const missing = await api.request("GET", `${t}/jobs/99999999`, undefined, { "accept-language": "de" });
    expectProblem(missing, 404, "not-found");
    expect(missing.body).toMatchObject({ title: "Nicht gefunden", detail: "Der Job wurde nicht gefunden." });

    const anonymous = await fetch(`${server.url}/api/v1/me`, { headers: { "accept-language": "de" } });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ type: "authentication-required", title: "Anmeldung erforderlich" });
  });

  it("picks the language by weight and falls back to English", () => {
    expect(problemLocale(undefined)).toBe("en");
    expect(problemLocale("fr-FR, de;q=0.5")).toBe("de");
    expect(problemLocale("de;q=0.4, en;q=0.9")).toBe("en");
    expect(problemLocale("de;q=0")).toBe("en");
  });

  it("gives every job timeline entry a reason code with parameters beside the English reason", async () => {
    const api = org.admin.api;
    const [job] = await startJobs(api, t, folderId, { processId });
    if (!job) throw new Error("no job");
    const stopped = await api.post(`${t}/jobs/${job.id}/stop`, { mode: "stop" });
    expect(stopped.status, stopped.text).toBeLessThan(300);
    const view = (await api.get(`${t}/jobs/${job.id}`)).body as {
      timeline: { reason: string; reasonCode: string; reasonParams: Record<string, unknown> }[];
    };
    expect(view.timeline.map((e) => [e.reasonCode, e.reason])).toEqual([
      ["started-api", "Started through the API"],
      ["cancelled-before-start", "Cancelled before it started"],
    ]);
    expect(view.timeline[0]?.reasonParams).toEqual({});
    expect(await getJob(api, t, job.id)).toMatchObject({ state: "stopped" });
  });

  it("has an English and a German sentence for every reason code", () => {
    for (const code of jobReasonCodes) {
      const en = jobReasonText(code, { trigger: "T", actor: "A", seconds: 5, code: 1, session: 2 }, "en");
      const de = jobReasonText(code, { trigger: "T", actor: "A", seconds: 5, code: 1, session: 2 }, "de");
      expect(en, code).toBeTruthy();
      expect(de, code).toBeTruthy();
      expect(de, code).not.toBe(en);
    }
    expect(jobReasonText("no-such-code", {}, "de")).toBeNull();
  });
});
