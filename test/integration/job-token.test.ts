import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, expectProblem } from "../helpers/api.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { runningJob } from "../helpers/job-token.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** The job token: a running automation's credential for /api/v1/job/… and opted-in tenant routes. */
describe.each(testDatabases())("job token on %s", (database) => {
  let server: TestServer;
  let host: Api;

  beforeAll(async () => {
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("identifies the running job behind the token, and stops working once the job ended", async () => {
    const org = await createOrg(host);
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const job = await runningJob(org.admin.api, t);
    try {
      const jobApi = host.withToken(job.token);
      const me = await jobApi.get("/job");
      expect(me.status, me.text).toBe(200);
      expect(me.body).toEqual({
        jobId: job.id,
        jobKey: job.key,
        orgId: org.id,
        tenantId: org.defaultTenantId,
        folderId: job.folderId,
        machineId: job.machineId,
        processId: expect.any(Number),
      });
      // A job token is no user token: tenant routes that do not opt in refuse it.
      expectProblem(await jobApi.get(`${t}/jobs`), 401, "authentication-required");
      await job.finish();
      expectProblem(await jobApi.get("/job"), 401, "authentication-required");
    } finally {
      job.socket.ws.terminate();
    }
  });

  it("refuses user tokens, made-up job tokens and missing headers on /job", async () => {
    const org = await createOrg(host);
    expectProblem(await org.admin.api.get("/job"), 401, "authentication-required");
    expectProblem(await host.withToken("dgj_made-up").get("/job"), 401, "authentication-required");
    expectProblem(await host.withToken("").get("/job"), 401, "authentication-required");
  });
});
