import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { buildSync } from "esbuild";
import { create, Header } from "tar";
import type { Api, ApiResponse } from "./api.js";

const bin = fileURLToPath(new URL("../../bin/dirigent.js", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
/** The example packages shipped in examples/. */
export const examplesDir = path.join(root, "examples");

/** Files of a package: relative path → content. */
export type Files = Record<string, string | Buffer>;

/** One member of a hand-made archive (for archives `tar`/`zip` tools would refuse to make). */
export interface Member {
  path: string;
  type?: "file" | "directory" | "symlink" | "hardlink" | "fifo";
  content?: string | Buffer;
  /** Target of a symlink or hard link. */
  linkTarget?: string;
  mode?: number;
}

export interface EntryPointSpec {
  name: string;
  command: string[];
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

/** A valid dirigent.json (one `main` entry point running `node main.js`), with overrides. */
export function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "pkg",
    version: "1.0.0",
    entryPoints: [{ name: "main", command: ["node", "main.js"] }],
    ...overrides,
  };
}

/** The files of a package: dirigent.json plus `main.js` (which just exits 0) and any extra files. */
export function packageFiles(manifestJson: Record<string, unknown>, extra: Files = {}): Files {
  return {
    "dirigent.json": JSON.stringify(manifestJson, null, 2),
    "main.js": "console.log('hello');\n",
    ...extra,
  };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files to a fresh temporary folder and returns it (remove it with fs.rmSync). */
export function writeFiles(files: Files): string {
  const dir = tempDir("dirigent-pkg-src-");
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

/** A .tgz of the files, made the ordinary way: written to a folder and packed with the `tar` package. */
export async function tgz(files: Files): Promise<Buffer> {
  const dir = writeFiles(files);
  const out = path.join(tempDir("dirigent-pkg-out-"), "package.tgz");
  try {
    await create({ gzip: true, cwd: dir, file: out, portable: true }, Object.keys(files).sort());
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

const tarTypes = {
  file: "File",
  directory: "Directory",
  symlink: "SymbolicLink",
  hardlink: "Link",
  fifo: "FIFO",
} as const;

/**
 * A .tgz written header by header, so it can hold what packers refuse to write: `../` paths,
 * absolute paths, links and special files.
 */
export function rawTgz(members: Member[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const type = m.type ?? "file";
    const body = type === "file" ? Buffer.from(m.content ?? "") : Buffer.alloc(0);
    const header = new Header({
      path: m.path,
      type: tarTypes[type],
      mode: m.mode ?? (type === "directory" ? 0o755 : 0o644),
      size: body.length,
      mtime: new Date("2024-01-01T00:00:00Z"),
      uid: 0,
      gid: 0,
      ...(m.linkTarget !== undefined && { linkpath: m.linkTarget }),
    });
    const block = Buffer.alloc(512);
    if (header.encode(block, 0)) throw new Error(`${m.path}: a raw tar member needs a PAX header (too long)`);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

/**
 * A minimal .zip writer (stored or deflated members, Unix attributes so links and modes show):
 * enough for valid packages and for crafted bad ones (traversal, absolute paths, symlinks).
 */
export function zip(input: Files | Member[], options: { deflate?: boolean } = {}): Buffer {
  const members: Member[] = Array.isArray(input)
    ? input
    : Object.entries(input).map(([p, content]) => ({ path: p, content }));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const type = m.type ?? "file";
    const name = Buffer.from(type === "directory" && !m.path.endsWith("/") ? `${m.path}/` : m.path, "utf8");
    const data =
      type === "symlink"
        ? Buffer.from(m.linkTarget ?? "")
        : type === "file"
          ? Buffer.from(m.content ?? "")
          : Buffer.alloc(0);
    const deflate = options.deflate === true && type === "file";
    const stored = deflate ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data);
    const unixMode =
      m.mode ?? (type === "symlink" ? 0o120777 : type === "directory" ? 0o40755 : type === "fifo" ? 0o10644 : 0o100644);
    const method = deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((unixMode << 16) | (type === "directory" ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Runs `dirigent pack DIR --out FILE` (the real CLI) and returns its exit code and output. */
export function packWithCli(
  dir: string,
  out: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "pack", dir, "--out", out], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Packs an example package (examples/NAME) with `dirigent pack` and returns the archive. */
export async function packExample(name: string): Promise<Buffer> {
  const out = path.join(tempDir("dirigent-pack-"), `${name}.tgz`);
  try {
    const result = await packWithCli(path.join(examplesDir, name), out);
    if (result.code !== 0) throw new Error(`dirigent pack ${name} failed (${result.code}): ${result.stderr}`);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** `POST T/packages` as multipart/form-data with the archive in the field `file` (or another field). */
export async function uploadPackage(
  api: Api,
  t: string,
  content: Buffer,
  options: { filename?: string; field?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
): Promise<ApiResponse<any>> {
  const form = new FormData();
  form.append(options.field ?? "file", new Blob([content]), options.filename ?? "package.tgz");
  const res = await fetch(`${api.baseUrl}/api/v1${t}/packages`, {
    method: "POST",
    headers: api.token ? { authorization: `Bearer ${api.token}` } : {},
    body: form,
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

/** A GET that returns the raw bytes (downloads). */
export async function download(
  api: Api,
  pathUnderApi: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${api.baseUrl}/api/v1${pathUnderApi}`, {
    headers: api.token ? { authorization: `Bearer ${api.token}` } : {},
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under `dir` (recursively) as Files, e.g. to archive an example without the CLI. */
export function filesOf(dir: string): Files {
  const files: Files = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files[child] = fs.readFileSync(path.join(dir, child));
    }
  };
  walk("");
  return files;
}

/**
 * `node_modules/dirigent` for a test package: `dirigent/sdk` bundled from src/sdk (index.ts and
 * the files it imports) into one ES module, as an installed package would provide it.
 */
export function sdkModuleFiles(): Files {
  const result = buildSync({
    entryPoints: [path.join(root, "src", "sdk", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
  });
  return {
    "node_modules/dirigent/package.json": JSON.stringify({
      name: "dirigent",
      type: "module",
      exports: { "./sdk": "./sdk.js" },
    }),
    "node_modules/dirigent/sdk.js": result.outputFiles[0]?.text ?? "",
  };
}
