import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, configVariables, parseConfig } from "../../src/platform/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("parseConfig accepted an invalid configuration");
}

describe("parseConfig", () => {
  it("uses the documented defaults for an empty environment", () => {
    expect(parseConfig({})).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      dataDir: path.resolve("./data"),
      publicUrl: "http://127.0.0.1:8080",
      logLevel: "info",
      tokenTtlSeconds: 3600,
      sessionTtlSeconds: 43_200,
      loginRateLimit: 20,
      secureCookies: false,
      trustProxy: false,
    });
    expect(parseConfig({}).databaseUrl).toBeUndefined();
    expect(parseConfig({}).adminPassword).toBeUndefined();
  });

  it("reads every variable and returns a frozen object", () => {
    const config = parseConfig({
      DIRIGENT_PORT: "9000",
      DIRIGENT_HOST: "0.0.0.0",
      DIRIGENT_DATA_DIR: "/var/lib/dirigent",
      DATABASE_URL: "postgresql://u:p@db:5432/dirigent",
      DIRIGENT_PUBLIC_URL: "https://dirigent.example.com/",
      DIRIGENT_ADMIN_PASSWORD: "Secret-Passw0rd",
      DIRIGENT_LOG_LEVEL: "warn",
      DIRIGENT_TOKEN_TTL_SECONDS: "120",
      DIRIGENT_SESSION_TTL_SECONDS: "600",
      DIRIGENT_LOGIN_RATE_LIMIT: "5",
      DIRIGENT_TRUST_PROXY: "true",
    });
    expect(config).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      dataDir: "/var/lib/dirigent",
      databaseUrl: "postgresql://u:p@db:5432/dirigent",
      // The trailing slash goes, so links can be built as `${publicUrl}/path`.
      publicUrl: "https://dirigent.example.com",
      adminPassword: "Secret-Passw0rd",
      logLevel: "warn",
      tokenTtlSeconds: 120,
      sessionTtlSeconds: 600,
      loginRateLimit: 5,
      // Secure cookies follow an https public URL unless set explicitly.
      secureCookies: true,
      trustProxy: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lets an explicit DIRIGENT_SECURE_COOKIES win over the public URL", () => {
    expect(
      parseConfig({ DIRIGENT_PUBLIC_URL: "https://x.example", DIRIGENT_SECURE_COOKIES: "false" }).secureCookies,
    ).toBe(false);
    expect(parseConfig({ DIRIGENT_SECURE_COOKIES: "true" }).secureCookies).toBe(true);
  });

  it("derives a reachable public URL from the listen address", () => {
    expect(parseConfig({ DIRIGENT_HOST: "0.0.0.0", DIRIGENT_PORT: "81" }).publicUrl).toBe("http://localhost:81");
    expect(parseConfig({ DIRIGENT_HOST: "::1" }).publicUrl).toBe("http://[::1]:8080");
  });

  it("treats empty variables as not set", () => {
    const config = parseConfig({ DIRIGENT_PORT: "", DIRIGENT_ADMIN_PASSWORD: "", DATABASE_URL: "" });
    expect(config.port).toBe(8080);
    expect(config.adminPassword).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it("lets flag overrides win over the environment", () => {
    expect(parseConfig({ DIRIGENT_PORT: "9000" }, { DIRIGENT_PORT: "9001" }).port).toBe(9001);
  });

  it("ignores variables it does not know", () => {
    expect(parseConfig({ PATH: "/usr/bin", DIRIGENT_UNKNOWN: "x" }).port).toBe(8080);
  });

  it.each(["abc", "-1", "65536", "80.5"])("rejects the port %j", (port) => {
    const problems = problemsOf({ DIRIGENT_PORT: port });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DIRIGENT_PORT: /);
  });

  it("accepts port 0 (any free port) and 65535", () => {
    expect(parseConfig({ DIRIGENT_PORT: "0" }).port).toBe(0);
    expect(parseConfig({ DIRIGENT_PORT: "65535" }).port).toBe(65535);
  });

  it("rejects a DATABASE_URL that is not PostgreSQL and a public URL that is not a URL", () => {
    expect(problemsOf({ DATABASE_URL: "mysql://db/x" })).toEqual([
      "DATABASE_URL: must start with postgres:// or postgresql://",
    ]);
    const problems = problemsOf({ DIRIGENT_PUBLIC_URL: "not a url" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DIRIGENT_PUBLIC_URL: /);
  });

  it("reports every problem together", () => {
    const problems = problemsOf({
      DIRIGENT_PORT: "99999",
      DATABASE_URL: "sqlite://x",
      DIRIGENT_PUBLIC_URL: "nope",
      DIRIGENT_LOG_LEVEL: "loud",
      DIRIGENT_TOKEN_TTL_SECONDS: "5",
      DIRIGENT_TRUST_PROXY: "yes",
    });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(
      [
        "DATABASE_URL",
        "DIRIGENT_LOG_LEVEL",
        "DIRIGENT_PORT",
        "DIRIGENT_PUBLIC_URL",
        "DIRIGENT_TOKEN_TTL_SECONDS",
        "DIRIGENT_TRUST_PROXY",
      ].sort(),
    );
  });

  it("names every problem in the error message", () => {
    try {
      parseConfig({ DIRIGENT_PORT: "x", DATABASE_URL: "y" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(
        /^Invalid configuration:\n {2}- DIRIGENT_PORT: .*\n {2}- DATABASE_URL: /,
      );
    }
  });

  it("lists the variables of the fixed start-up contract", () => {
    for (const name of ["DIRIGENT_PORT", "DIRIGENT_HOST", "DIRIGENT_DATA_DIR", "DATABASE_URL", "DIRIGENT_PUBLIC_URL"]) {
      expect(configVariables).toContain(name);
    }
  });
});
