import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { extract } from "tar";
import yauzl from "yauzl";
import { isSafeMemberPath, memberPath } from "../domain/manifest.js";

export interface PackageRef {
  id: number;
  sha256: string;
  format: "zip" | "tgz";
}

/** A package unpacks to at most this much: a zip bomb fails the job instead of filling the disk. */
const maxUnpackedBytes = 2 * 1024 ** 3;

/**
 * Packages unpacked on this host, one folder per checksum, shared by every agent that uses the
 * same work folder. A folder only ever appears complete: each download goes to a file of its own,
 * is checked against its checksum while it streams, is unpacked into a unique staging folder and
 * renamed into place in one step. An agent that loses the race to rename uses the winner's folder
 * and never removes a complete one, so two agents (or two jobs of one agent) never see each
 * other's half-written files. Within one agent, jobs wanting the same package share one download.
 */
export class PackageCache {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    private readonly download: (pkg: PackageRef) => Promise<Response>,
  ) {
    fs.mkdirSync(root, { recursive: true });
  }

  /** The package's unpacked folder; `signal` abandons the wait (the shared download goes on for the cache). */
  async get(pkg: PackageRef, signal: AbortSignal): Promise<string> {
    const dir = path.join(this.root, pkg.sha256);
    if (isComplete(dir, pkg.sha256)) return dir;
    let pending = this.inFlight.get(pkg.sha256);
    if (!pending) {
      pending = this.fetch(pkg, dir).finally(() => this.inFlight.delete(pkg.sha256));
      this.inFlight.set(pkg.sha256, pending);
    }
    return abortable(pending, signal);
  }

  private async fetch(pkg: PackageRef, dir: string): Promise<string> {
    const unique = `${pkg.sha256}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const file = path.join(this.root, `${unique}.download`);
    const staging = path.join(this.root, `${unique}.tmp`);
    try {
      const res = await this.download(pkg);
      if (!res.ok || !res.body) throw new Error(`The package could not be downloaded (${res.status}).`);
      const hash = createHash("sha256");
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        fs.createWriteStream(file),
      );
      if (hash.digest("hex") !== pkg.sha256) throw new Error("The downloaded package does not match its checksum.");
      fs.mkdirSync(staging);
      if (pkg.format === "tgz") {
        await extract({
          file,
          cwd: staging,
          strict: true,
          maxReadSize: 16 * 1024 * 1024,
          filter: (p, entry) =>
            isSafeMemberPath(memberPath(p)) && !("type" in entry && /Link/.test(String(entry.type))),
        });
        if (folderSize(staging) > maxUnpackedBytes) throw new Error("The package unpacks to more than 2 GiB.");
      } else {
        await unzip(file, staging);
      }
      fs.writeFileSync(path.join(staging, ".complete"), pkg.sha256);
      return this.publish(staging, dir, pkg.sha256);
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Renames the staging folder into place, or takes the folder another agent put there first. */
  private publish(staging: string, dir: string, sha256: string): string {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.renameSync(staging, dir);
        return dir;
      } catch (error) {
        if (isComplete(dir, sha256)) return dir;
        // Left half-written by an agent of an older version: nobody uses an incomplete folder.
        if (attempt === 0) fs.rmSync(dir, { recursive: true, force: true });
        else throw error;
      }
    }
    return dir;
  }
}

function isComplete(dir: string, sha256: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, ".complete"), "utf8") === sha256;
  } catch {
    return false;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function folderSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Unpacks a zip file, refusing unsafe paths and more than maxUnpackedBytes, keeping Unix file modes. */
function unzip(file: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("unreadable zip"));
      let written = 0;
      const fail = (reason: Error) => {
        zip.close();
        reject(reason);
      };
      zip.on("error", reject);
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = memberPath(entry.fileName);
        if (!isSafeMemberPath(name)) return fail(new Error(`unsafe path ${entry.fileName}`));
        const dest = path.join(target, name);
        if (entry.fileName.endsWith("/")) {
          fs.mkdirSync(dest, { recursive: true });
          return zip.readEntry();
        }
        written += entry.uncompressedSize;
        if (written > maxUnpackedBytes) return fail(new Error("The package unpacks to more than 2 GiB."));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        // Zips made on Unix keep the mode in the upper 16 bits of the external attributes.
        const mode = (entry.externalFileAttributes >>> 16) & 0o777;
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return fail(err ?? new Error("unreadable entry"));
          pipeline(stream, fs.createWriteStream(dest, mode ? { mode } : {})).then(() => zip.readEntry(), fail);
        });
      });
      zip.readEntry();
    });
  });
}
