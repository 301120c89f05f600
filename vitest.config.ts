import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files only make the argon2 hashing and Chromium fight for CPU.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
