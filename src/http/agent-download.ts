import fs from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package root: two levels above this file both in the checkout (src/http) and when built (dist/http). */
const root = fileURLToPath(new URL("../..", import.meta.url));
const tarball = `${root}dist/downloads/dirigent-agent.tgz`;
const builder = `${root}scripts/agent-bundle.js`;

export const agentDownloadPath = "/downloads/dirigent-agent.tgz";

export interface AgentBundle {
  file: string;
  sha256: string;
  size: number;
}

let building: Promise<void> | null = null;

/**
 * The standalone agent tarball (`npm run build` and `npm start` make it; in a checkout it is
 * built here on first use when missing or older than the agent's sources, once per process at
 * a time). Null when it can be neither found nor built (an installation without its build).
 */
export async function agentBundle(): Promise<AgentBundle | null> {
  if (fs.existsSync(builder)) {
    building ??= (async () => {
      const { ensureAgentBundle } = (await import(pathToFileURL(builder).href)) as {
        ensureAgentBundle: () => Promise<string>;
      };
      await ensureAgentBundle();
    })().finally(() => {
      building = null;
    });
    await building;
  }
  try {
    const [stat, sum] = await Promise.all([
      fs.promises.stat(tarball),
      fs.promises.readFile(`${tarball}.sha256`, "utf8"),
    ]);
    return { file: tarball, sha256: sum.split(/\s/)[0] ?? "", size: stat.size };
  } catch {
    return null;
  }
}

/**
 * The command the machine page shows. `npx --package=<tarball URL>` installs the served agent into
 * npm's cache (no registry, no checkout); the checksum in the query makes npx fetch a new agent
 * after a server update instead of reusing the cached one.
 */
export function agentCommand(publicUrl: string, key: string, sha256: string | undefined): string {
  const base = publicUrl.replace(/\/+$/, "");
  const url = `${base}${agentDownloadPath}${sha256 ? `?sha256=${sha256.slice(0, 16)}` : ""}`;
  return `npx --yes --package=${url} dirigent robot --url ${base} --key ${key}`;
}
