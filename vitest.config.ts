import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default: a page reload or a background loop takes longer
    // than that on a busy 2-core machine, and such a test then fails for the machine, not the code.
    expect: { poll: { timeout: 10_000 } },
    // Two cores: more parallel files only make the argon2 hashing and Chromium fight for CPU.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
