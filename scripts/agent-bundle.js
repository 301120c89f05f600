// Builds the standalone robot agent that the server offers at GET /downloads/dirigent-agent.tgz:
// src/agent/standalone.ts bundled by esbuild (installed with tsx, so no extra dependency and no
// binary download) into one CommonJS file with ws, tar, yauzl and zod inside, packed as an npm
// package tarball (`package/…`) named dirigent-agent with the bin `dirigent`, plus its SHA-256.
//
// The tarball is rebuilt only when a source it is made of is newer than it; the build is
// deterministic (fixed mtimes, sorted entries), so the same sources give the same checksum.
// Run directly (`node scripts/agent-bundle.js`) by `npm run build` and `npm start`; the server
// imports ensureAgentBundle() when the tarball is missing or stale in a checkout.
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const agentTarball = join(root, "dist", "downloads", "dirigent-agent.tgz");
const sources = ["src/agent", "src/shared", "src/domain", "scripts/agent-bundle.js", "package-lock.json"];

const newest = (path) => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
};

/** Whether the tarball exists and is newer than everything it is built from (always true without sources). */
export function agentBundleFresh() {
  let built = 0;
  try {
    built = statSync(agentTarball).mtimeMs;
  } catch {
    return false;
  }
  try {
    return sources.every((s) => newest(join(root, s)) <= built);
  } catch {
    // An installed package has no sources: what was built is what there is.
    return true;
  }
}

/** Builds the tarball (and its .sha256) unless it is fresh; returns the tarball's path. */
export async function ensureAgentBundle({ force = false } = {}) {
  if (!force && agentBundleFresh()) return agentTarball;
  const { build } = await import("esbuild");
  const tar = await import("tar");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  mkdirSync(join(root, "dist"), { recursive: true });
  const work = mkdtempSync(join(root, "dist", ".agent-"));
  try {
    const dir = join(work, "package");
    mkdirSync(join(dir, "bin"), { recursive: true });
    await build({
      entryPoints: [join(root, "src/agent/standalone.ts")],
      outfile: join(dir, "bin", "dirigent.cjs"),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      // ws uses these native add-ons when present and works without them.
      external: ["bufferutil", "utf-8-validate"],
      banner: { js: "#!/usr/bin/env node" },
      legalComments: "none",
      logLevel: "warning",
    });
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify(
        {
          name: "dirigent-agent",
          version: pkg.version,
          description: "The Dirigent robot agent, served by a Dirigent server (dependencies bundled).",
          license: pkg.license,
          engines: { node: ">=20" },
          bin: { dirigent: "bin/dirigent.cjs" },
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(dir, "README.md"),
      "# dirigent-agent\n\nThe Dirigent robot agent. Start it with the command shown on the machine's page:\n\n" +
        "    npx --yes --package=<server>/downloads/dirigent-agent.tgz dirigent robot --url <server> --key <machine key>\n",
    );
    mkdirSync(join(root, "dist", "downloads"), { recursive: true });
    const tmp = `${agentTarball}.${process.pid}.tmp`;
    await tar.create(
      {
        gzip: { level: 9 },
        file: tmp,
        cwd: work,
        portable: true,
        noMtime: false,
        mtime: new Date("2000-01-01T00:00:00Z"),
      },
      ["package/package.json", "package/README.md", "package/bin/dirigent.cjs"],
    );
    const sha256 = createHash("sha256").update(readFileSync(tmp)).digest("hex");
    writeFileSync(`${agentTarball}.sha256.${process.pid}.tmp`, `${sha256}  dirigent-agent.tgz\n`);
    // Renames are atomic: a server reading meanwhile sees the old pair or the new one.
    renameSync(`${agentTarball}.sha256.${process.pid}.tmp`, `${agentTarball}.sha256`);
    renameSync(tmp, agentTarball);
    return agentTarball;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!agentBundleFresh()) console.log("Building the robot agent tarball…");
  await ensureAgentBundle({ force: process.argv.includes("--force") });
}
