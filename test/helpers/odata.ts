import { promisify } from "node:util";

/**
 * The TS client (@uipath/uipath-typescript) reports every call to the vendor's Application
 * Insights endpoint with the global `fetch`, hard-wired. Tests have no network, and must neither
 * wait on nor send that: this wraps `fetch` so that anything not addressed to the loopback
 * interface is answered at once with 204 locally, and counted (tests can show it was blocked).
 */
export function blockOutsideFetch(): { blocked: string[] } {
  const original = globalThis.fetch;
  const blocked: string[] = [];
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
      blocked.push(url.origin);
      return new Response(null, { status: 204 });
    }
    return original(input, init);
  }) as typeof fetch;
  return { blocked };
}

/** Base64 of the UTF-16LE bytes of a folder path, as X-UIPATH-FolderPath-Encoded carries it. */
export function encodedPath(path: string): string {
  return Buffer.from(path, "utf16le").toString("base64");
}

// biome-ignore lint/suspicious/noExplicitAny: the old client is untyped JavaScript.
type OrchestratorClient = any;

/** The callback API of `uipath-orchestrator` as promises. */
export function promised(client: OrchestratorClient) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON.
    get: promisify(client.get.bind(client)) as (path: string, query: Record<string, unknown>) => Promise<any>,
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON.
    post: promisify(client.post.bind(client)) as (path: string, body: unknown) => Promise<any>,
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON.
    put: promisify(client.put.bind(client)) as (path: string, body: unknown) => Promise<any>,
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON.
    delete: promisify(client.delete.bind(client)) as (path: string) => Promise<any>,
  };
}

/**
 * A package whose entry point answers "Hello <name>", sleeps `sleepMs` when asked, and reads an
 * asset the way the original's Python SDK does inside a job: with the UIPATH_* environment the
 * agent sets (UIPATH_URL, the job token as UIPATH_ACCESS_TOKEN, UIPATH_ROBOT_KEY).
 */
export const compatPackageFiles = {
  "dirigent.json": JSON.stringify({
    name: "compat-hello",
    version: "1.0.0",
    entryPoints: [
      {
        name: "main",
        command: ["node", "main.js"],
        inputSchema: { type: "object", properties: { name: { type: "string" } } },
      },
    ],
  }),
  "main.js": `
const fs = require("node:fs");
const input = JSON.parse(fs.readFileSync(process.env.DIRIGENT_INPUT_FILE, "utf8"));
(async () => {
  if (input.sleepMs) await new Promise((r) => setTimeout(r, input.sleepMs));
  let asset = null;
  if (input.assetName) {
    const res = await fetch(process.env.UIPATH_URL + "/orchestrator_/odata/Assets/UiPath.Server.Configuration.OData.GetRobotAssetByNameForRobotKey", {
      method: "POST",
      headers: { authorization: "Bearer " + process.env.UIPATH_ACCESS_TOKEN, "content-type": "application/json", "x-uipath-folderkey": process.env.UIPATH_FOLDER_KEY },
      body: JSON.stringify({ assetName: input.assetName, robotKey: process.env.UIPATH_ROBOT_KEY, supportsCredentialsProxyDisconnected: true }),
    });
    asset = await res.json();
  }
  fs.writeFileSync(process.env.DIRIGENT_OUTPUT_FILE, JSON.stringify({
    greeting: "Hello " + input.name,
    asset: asset && asset.StringValue,
    credentialUser: asset && asset.CredentialUsername,
    jobKey: process.env.UIPATH_JOB_KEY,
    telemetry: process.env.UIPATH_TELEMETRY_ENABLED,
  }));
})();
`,
};

/** One raw call of the compatibility API: status, parsed JSON body (or the text), content type. */
export async function odataCall(
  url: string,
  token: string | null,
  init: RequestInit = {},
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON.
): Promise<{ status: number; body: any; text: string; type: string }> {
  const res = await fetch(url, {
    ...init,
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...(init.body !== undefined && { "content-type": "application/json" }),
      ...(init.headers as Record<string, string>),
    },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the caller's assertions say so
  }
  return { status: res.status, body, text, type: res.headers.get("content-type") ?? "" };
}
