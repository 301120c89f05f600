import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.js";

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger("trace", sink), output: () => lines.join("") };
}

const password = "Sup3r-Secret-Passw0rd";
const bearer = "dgt_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg";
const personal = "dgp_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY";
const session = "dgs_c2Vzc2lvbnNlc3Npb25zZXNzaW9uc2Vzc2lvbg";

describe("log redaction", () => {
  it.each([
    ["password", { password }],
    ["currentPassword", { currentPassword: password }],
    ["newPassword", { newPassword: password }],
    ["smtpPassword", { smtpPassword: password }],
    ["secret", { secret: password }],
    ["clientSecret", { clientSecret: password }],
    ["key", { key: password }],
    ["token", { token: password }],
    ["accessToken", { accessToken: password }],
    ["csrfToken", { csrfToken: password }],
    ["authorization", { authorization: `Basic ${password}` }],
    ["cookie", { cookie: `dirigent_session=${password}` }],
    ["one level deep", { body: { password } }],
    ["two levels deep", { req: { headers: { authorization: `Bearer ${password}` } } }],
    ["two levels deep (cookie)", { req: { headers: { cookie: `x=${password}` } } }],
  ])("hides a secret under %s", (_name, object) => {
    const { logger, output } = capture();
    logger.info(object, "something happened");
    expect(output()).toContain("something happened");
    expect(output()).toContain("[redacted]");
    expect(output()).not.toContain(password);
  });

  it("hides the CSRF header and Set-Cookie of logged requests and responses", () => {
    const { logger, output } = capture();
    logger.info({ req: { headers: { "x-csrf-token": password } }, res: { headers: { "set-cookie": password } } });
    expect(output()).not.toContain(password);
  });

  it("hides tokens inside log messages, also in format arguments", () => {
    const { logger, output } = capture();
    logger.info(`presented ${bearer} and ${personal}`);
    logger.warn({ x: 1 }, "session %s expired", session);
    logger.error(`Authorization: Bearer ${bearer}`);
    expect(output()).not.toContain(bearer);
    expect(output()).not.toContain(personal);
    expect(output()).not.toContain(session);
    expect(output()).toContain("presented [redacted] and [redacted]");
  });

  it("hides token-shaped values under innocent keys", () => {
    const { logger, output } = capture();
    logger.info({ name: bearer, nested: { comment: `see ${personal}` } }, "saved");
    logger.child({ label: session }).info("child");
    expect(output()).not.toContain(bearer);
    expect(output()).not.toContain(personal);
    expect(output()).not.toContain(session);
  });

  it("hides tokens in logged errors", () => {
    const { logger, output } = capture();
    logger.error({ err: new Error(`could not verify ${bearer}`) }, "failed");
    expect(output()).toContain("failed");
    expect(output()).not.toContain(bearer);
  });

  it("keeps ordinary values and short dg-prefixed words readable", () => {
    const { logger, output } = capture();
    logger.info({ user: "ada@example.com", count: 3, note: "dgt_short" }, "login ok");
    const line = JSON.parse(output());
    expect(line).toMatchObject({ user: "ada@example.com", count: 3, note: "dgt_short", msg: "login ok" });
  });
});
