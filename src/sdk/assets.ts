import { type DirigentClient, jobClient } from "./client.js";

/** A text, bool or integer asset's value. */
export type AssetValue = string | boolean | number;

/** A credential asset as a running job gets it. */
export interface Credential {
  username: string;
  password: string;
}

type JobAsset =
  | { name: string; type: "text" | "bool" | "integer"; value: AssetValue }
  | { name: string; type: "credential"; username: string; password: string };

const path = (name: string) => `/job/assets/${encodeURIComponent(name)}`;

async function read(name: string, client: DirigentClient): Promise<JobAsset> {
  const { body } = await client.request<JobAsset>("GET", path(name));
  if (!body) throw new Error(`Dirigent answered the asset "${name}" without a body`);
  return body;
}

/**
 * The value of a text, bool or integer asset of the job's folder (found by name, ignoring case):
 * the job's machine's own value, else the global one. Throws DirigentApiError (404
 * `asset-not-found` / `asset-value-missing`) when there is none; use getCredential for credentials.
 */
export async function getAsset(name: string, client: DirigentClient = jobClient()): Promise<AssetValue> {
  const asset = await read(name, client);
  if (asset.type === "credential") throw new Error(`The asset "${name}" is a credential: use getCredential()`);
  return asset.value;
}

/** The user name and password of a credential asset of the job's folder (its machine's own value first). */
export async function getCredential(name: string, client: DirigentClient = jobClient()): Promise<Credential> {
  const asset = await read(name, client);
  if (asset.type !== "credential") throw new Error(`The asset "${name}" is a ${asset.type} asset: use getAsset()`);
  return { username: asset.username, password: asset.password };
}

/**
 * Sets a text, bool or integer asset: the value this job reads (its machine's own value when it
 * has one, else the global value). Credentials cannot be set by automations.
 */
export async function setAsset(name: string, value: AssetValue, client: DirigentClient = jobClient()): Promise<void> {
  await client.request("PUT", path(name), { value });
}
