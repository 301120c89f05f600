import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** s3rver knows only the access key id S3RVER; it does not check the secret key's signature. */
  accessKeyId: string;
  secretKey: string;
  directory: string;
  stop(): Promise<void>;
}

/** A real S3-protocol server (s3rver) on 127.0.0.1, a free port, with one empty bucket. */
export async function startS3(bucket = "dirigent-test"): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dirigent-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: "S3RVER",
    // A value that cannot occur by chance, so tests can search for it in logs and responses.
    secretKey: `s3-secret-${path.basename(directory)}`,
    directory,
    async stop() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
