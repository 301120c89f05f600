import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ConflictError } from "../../domain/errors.js";
import { contentTypeOf } from "./bucket-path.js";
import {
  type BucketFile,
  type BucketProvider,
  type ByteRange,
  type FileListing,
  type ListOptions,
  SizeLimit,
  type WriteOptions,
} from "./bucket-provider.js";

/**
 * Files under `<data dir>/buckets/<bucket key>/`. An upload goes to `<data dir>/buckets/.tmp/`
 * first and is renamed into place when complete (rename is atomic on one file system), so a
 * reader never sees half a file and a failed upload leaves nothing behind.
 */
export class LocalProvider implements BucketProvider {
  private readonly root: string;
  private readonly tmp: string;

  constructor(dataDir: string, bucketKey: string) {
    this.root = path.join(dataDir, "buckets", bucketKey);
    this.tmp = path.join(dataDir, "buckets", ".tmp");
  }

  /** The file's place on disk; paths are normalised already, this only double-checks confinement. */
  private file(p: string): string {
    const full = path.resolve(this.root, ...p.split("/"));
    if (!full.startsWith(this.root + path.sep)) throw new Error(`Path escapes the bucket: ${p}`);
    return full;
  }

  async list(options: ListOptions): Promise<FileListing> {
    const slash = options.prefix.lastIndexOf("/");
    const dir = slash < 0 ? "" : options.prefix.slice(0, slash);
    const files: BucketFile[] = [];
    const directories = new Set<string>();
    const walk = async (relDir: string): Promise<void> => {
      const abs = relDir === "" ? this.root : this.file(relDir);
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(abs, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR")
          return;
        throw error;
      }
      for (const entry of entries) {
        const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
        if (entry.isDirectory()) {
          // Descend only where the prefix may still match.
          const asDir = `${rel}/`;
          if (!asDir.startsWith(options.prefix) && !options.prefix.startsWith(asDir)) continue;
          if (options.recursive || options.prefix.startsWith(asDir)) await walk(rel);
          else directories.add(asDir);
        } else if (entry.isFile() && rel.startsWith(options.prefix)) {
          const stat = await fs.promises.stat(path.join(abs, entry.name));
          files.push(present(rel, stat));
        }
      }
    };
    await walk(dir);
    // One ordering over files and directories so a cursor (the last path) pages through both.
    const entries = [
      ...files.map((f) => ({ path: f.path, file: f as BucketFile | null })),
      ...[...directories].map((d) => ({ path: d, file: null })),
    ]
      .filter((e) => options.cursor === null || e.path > options.cursor)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const page = entries.slice(0, options.limit);
    return {
      items: page.flatMap((e) => (e.file ? [e.file] : [])),
      directories: page.filter((e) => !e.file).map((e) => e.path),
      nextCursor: entries.length > options.limit ? (page.at(-1)?.path ?? null) : null,
    };
  }

  async stat(p: string): Promise<BucketFile | null> {
    try {
      const stat = await fs.promises.stat(this.file(p));
      return stat.isFile() ? present(p, stat) : null;
    } catch (error) {
      if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return null;
      throw error;
    }
  }

  async read(p: string, range: ByteRange | null): Promise<NodeJS.ReadableStream> {
    return fs.createReadStream(this.file(p), range ? { start: range.start, end: range.end } : {});
  }

  async write(p: string, content: NodeJS.ReadableStream, options: WriteOptions): Promise<BucketFile> {
    const target = this.file(p);
    await fs.promises.mkdir(this.tmp, { recursive: true });
    const temp = path.join(this.tmp, `${randomUUID()}.part`);
    try {
      await pipeline(content, new SizeLimit(options.maxBytes), fs.createWriteStream(temp, { flags: "wx" }));
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(temp, target);
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      if (["EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY"].includes((error as NodeJS.ErrnoException).code ?? "")) {
        throw new ConflictError(`"${p}" clashes with a file or directory of the same name.`);
      }
      throw error;
    }
    return present(p, await fs.promises.stat(target));
  }

  async delete(p: string): Promise<boolean> {
    const target = this.file(p);
    try {
      await fs.promises.unlink(target);
    } catch (error) {
      if (["ENOENT", "ENOTDIR", "EISDIR", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
      throw error;
    }
    // Empty directories are not kept (S3 has none): remove the ones this file leaves empty.
    for (let dir = path.dirname(target); dir !== this.root && dir.startsWith(this.root); dir = path.dirname(dir)) {
      try {
        await fs.promises.rmdir(dir);
      } catch {
        break;
      }
    }
    return true;
  }

  /** Removes every file of the bucket (when the bucket is deleted). */
  async destroy(): Promise<void> {
    await fs.promises.rm(this.root, { recursive: true, force: true });
  }

  close(): void {}
}

function present(p: string, stat: fs.Stats): BucketFile {
  return { path: p, size: stat.size, modifiedAt: stat.mtime.toISOString(), contentType: contentTypeOf(p) };
}
