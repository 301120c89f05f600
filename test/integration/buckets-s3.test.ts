import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectProblem, unique } from "../helpers/api.js";
import { generated, getFile, hashBody, putFile, rawRequest } from "../helpers/buckets.js";
import { testDatabases } from "../helpers/database.js";
import { adminApi, createOrg } from "../helpers/fixtures.js";
import { startS3, type TestS3 } from "../helpers/s3.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const MiB = 1024 * 1024;

/** S3 buckets against a real S3-protocol server (s3rver) started by the test on 127.0.0.1. */
describe.each(testDatabases())("S3 storage buckets on %s", (database) => {
  let server: TestServer;
  let host: Api;
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startS3();
    server = await startTestServer({ database });
    host = await adminApi(server);
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  async function setup() {
    const org = await createOrg(host);
    const api = org.admin.api;
    const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
    const folder = await api.post(`${t}/folders`, { name: unique("F") });
    const created = await api.post(`${t}/folders/${folder.body.id}/buckets`, {
      name: unique("S3"),
      provider: "s3",
      s3: {
        endpoint: s3.endpoint,
        region: "us-east-1",
        bucket: s3.bucket,
        accessKeyId: s3.accessKeyId,
        secretKey: s3.secretKey,
        pathStyle: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    return { org, api, t, bucket: created.body, b: `${t}/buckets/${created.body.id}` };
  }

  it("stores, lists, ranges and deletes files in the S3 store, and never shows the secret key", async () => {
    const { org, api, b, bucket } = await setup();
    expect(bucket.s3).toEqual({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      pathStyle: true,
      hasSecretKey: true,
    });
    const prefix = `${bucket.key}/`;
    const up = await putFile(api, `${b}/files/${prefix}docs/hello.txt`, "hello s3", { "content-type": "text/plain" });
    expect(up.status, up.text).toBe(201);
    await putFile(api, `${b}/files/${prefix}docs/sub/deep.txt`, "deep");
    const list = await api.get(`${b}/files?prefix=${encodeURIComponent(`${prefix}docs/`)}&recursive=false`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((f: { path: string }) => f.path)).toEqual([`${prefix}docs/hello.txt`]);
    expect(list.body.directories).toEqual([`${prefix}docs/sub/`]);
    const meta = await api.get(`${b}/metadata?path=${encodeURIComponent(`${prefix}docs/hello.txt`)}`);
    expect(meta.body).toMatchObject({ size: 8, contentType: "text/plain" });
    const ranged = await getFile(api, `${b}/files/${prefix}docs/hello.txt`, { range: "bytes=6-" });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe("s3");
    expect((await api.delete(`${b}/files/${prefix}docs/hello.txt`)).status).toBe(204);
    expectProblem(await api.delete(`${b}/files/${prefix}docs/hello.txt`), 404, "not-found");

    // The secret key shows nowhere: responses, the audit log, the server's log.
    const edited = await api.patch(b, { s3: { secretKey: s3.secretKey }, description: "rotated" });
    expect(edited.status, edited.text).toBe(200);
    const audit = await api.get(`/orgs/${org.slug}/audit-logs?component=Buckets`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    for (const text of [
      JSON.stringify(bucket),
      edited.text,
      (await api.get(b)).text,
      audit.text,
      server.logs.join(""),
    ]) {
      expect(text).not.toContain(s3.secretKey);
    }
  });

  it("streams a multipart upload larger than one part and aborts one past the cap", async () => {
    const { api, t, b, bucket } = await setup();
    const size = 20 * MiB;
    const file = generated(size, 7);
    const up = await putFile(api, `${b}/files/${bucket.key}/big.bin`, file.stream);
    expect(up.status, up.text).toBe(201);
    expect(up.body.size).toBe(size);
    expect(await hashBody(await getFile(api, `${b}/files/${bucket.key}/big.bin`))).toEqual({
      size,
      sha256: await file.sha256,
    });
    await api.put(`${t}/settings/buckets`, { uploadMaxMiB: 9 });
    const over = await putFile(api, `${b}/files/${bucket.key}/over.bin`, generated(12 * MiB).stream);
    expect(over.status, over.text).toBe(413);
    expectProblem(await api.get(`${b}/metadata?path=${bucket.key}/over.bin`), 404, "not-found");
  });

  it("hands out real pre-signed URLs for reading and writing", async () => {
    const { api, b, bucket } = await setup();
    const path = `${bucket.key}/signed.txt`;
    const write = await api.get(`${b}/write-uri?path=${encodeURIComponent(path)}&contentType=text/plain`);
    expect(write.status, write.text).toBe(200);
    expect(write.body.uri.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect(write.body.uri).toContain("X-Amz-Signature=");
    expect(write.body.headers).toEqual({ "Content-Type": "text/plain" });
    const put = await rawRequest("PUT", write.body.uri, "straight to the store", write.body.headers);
    expect(put.status, put.text).toBe(200);
    const read = await api.get(`${b}/read-uri?path=${encodeURIComponent(path)}`);
    const got = await fetch(read.body.uri);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("straight to the store");
  });

  it("answers 502 storage-unavailable when the store refuses the credentials", async () => {
    const { api, b } = await setup();
    expect((await api.patch(b, { s3: { accessKeyId: "UNKNOWN", secretKey: "wrong-secret" } })).status).toBe(200);
    const res = await putFile(api, `${b}/files/x.txt`, "x");
    expect(res.status, res.text).toBe(502);
    expect(res.body.type).toBe("storage-unavailable");
    expect(res.text).not.toContain("wrong-secret");
  });

  it("keeps working after a master key rotation re-encrypts the secret key", async () => {
    const keyA = randomBytes(32).toString("base64");
    const keyB = randomBytes(32).toString("base64");
    const one = await startTestServer({ database, env: { DIRIGENT_MASTER_KEY: keyA } });
    const reuse = { dataDir: one.dataDir, databaseUrl: one.databaseUrl };
    let two: TestServer | null = null;
    let three: TestServer | null = null;
    try {
      const org = await createOrg(await adminApi(one));
      const t = `/orgs/${org.slug}/tenants/${org.defaultTenantId}`;
      const folder = await org.admin.api.post(`${t}/folders`, { name: unique("F") });
      const created = await org.admin.api.post(`${t}/folders/${folder.body.id}/buckets`, {
        name: "Rotated",
        provider: "s3",
        s3: {
          endpoint: s3.endpoint,
          bucket: s3.bucket,
          accessKeyId: s3.accessKeyId,
          secretKey: s3.secretKey,
          pathStyle: true,
        },
      });
      expect(created.status, created.text).toBe(201);
      const file = `${created.body.key}/kept.txt`;
      expect((await putFile(org.admin.api, `${t}/buckets/${created.body.id}/files/${file}`, "kept")).status).toBe(201);
      await one.stop({ keepData: true });

      two = await startTestServer({
        database,
        reuse,
        env: { DIRIGENT_MASTER_KEY: keyB, DIRIGENT_MASTER_KEY_PREVIOUS: keyA },
      });
      expect(await two.server.services.buckets.reencryptSecrets()).toBe(1);
      expect(await two.server.services.buckets.reencryptSecrets()).toBe(0);
      await two.stop({ keepData: true });

      // Only the new key now: the bucket still reaches its store.
      three = await startTestServer({ database, reuse, env: { DIRIGENT_MASTER_KEY: keyB } });
      const api = await new Api(three.url).as({
        organization: org.slug,
        email: org.admin.email,
        password: org.admin.password,
      });
      const res = await getFile(api, `${t}/buckets/${created.body.id}/files/${file}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("kept");
    } finally {
      await one.stop({ keepData: true });
      await two?.stop({ keepData: true });
      await (three ?? one).stop();
    }
  });
});
