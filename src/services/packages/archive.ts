import { createHash } from "node:crypto";
import { Parser, type ReadEntry } from "tar";
import yauzl from "yauzl";
import { isSafeMemberPath, manifestFile, memberPath } from "../../domain/manifest.js";

export interface ArchiveSummary {
  format: "zip" | "tgz";
  sha256: string;
  files: number;
  /** Raw content of dirigent.json at the archive root, if present. */
  manifest: string | null;
}

export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** Most members and bytes of dirigent.json an archive may have. */
const maxMembers = 20_000;
const maxManifestBytes = 256 * 1024;

/**
 * Reads a package archive (.zip or .tgz, told apart by content) and checks every member:
 * paths stay inside the archive, and no links point anywhere. Returns the manifest text.
 */
export async function inspectArchive(buffer: Buffer): Promise<ArchiveSummary> {
  const sha256 = createHash("sha256").update(buffer).digest("hex");
  if (buffer.length >= 4 && buffer.readUInt32LE(0) === 0x04034b50)
    return { ...(await inspectZip(buffer)), sha256, format: "zip" };
  if (buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b)
    return { ...(await inspectTgz(buffer)), sha256, format: "tgz" };
  throw new ArchiveError("The file is neither a .zip nor a .tgz archive.");
}

function checkMember(path: string, kind: "file" | "directory" | "link"): string {
  const clean = memberPath(path);
  // `./` is the package folder itself (what `tar -C dir .` writes first).
  if (clean === "" && kind === "directory" && path !== "") return clean;
  if (!isSafeMemberPath(clean)) throw new ArchiveError(`The archive member "${path}" points outside the package.`);
  if (kind === "link")
    throw new ArchiveError(`The archive member "${path}" is a link; packages may not contain links.`);
  return clean;
}

function inspectZip(buffer: Buffer): Promise<{ files: number; manifest: string | null }> {
  return new Promise((resolve, reject) => {
    // Names are decoded here rather than by yauzl, whose own check would call a member that
    // points outside the package a damaged archive instead of naming it.
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip)
        return reject(new ArchiveError(`The .zip archive is damaged: ${error?.message ?? "unreadable"}`));
      let files = 0;
      let manifest: string | null = null;
      zip.on("error", (e: Error) => reject(new ArchiveError(`The .zip archive is damaged: ${e.message}`)));
      zip.on("end", () => resolve({ files, manifest }));
      zip.on("entry", (entry: yauzl.Entry) => {
        try {
          files += 1;
          if (files > maxMembers) throw new ArchiveError(`The archive has more than ${maxMembers} members.`);
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          const name = yauzl.getFileNameLowLevel(
            entry.generalPurposeBitFlag,
            entry.fileName as unknown as Buffer,
            entry.extraFields,
            false,
          );
          const kind = mode === 0o120000 ? "link" : name.endsWith("/") ? "directory" : "file";
          const path = checkMember(name, kind);
          if (path !== manifestFile) return zip.readEntry();
          if (entry.uncompressedSize > maxManifestBytes)
            throw new ArchiveError(`${manifestFile} is larger than 256 KiB.`);
          zip.openReadStream(entry, (err, stream) => {
            if (err || !stream)
              return reject(new ArchiveError(`${manifestFile} cannot be read: ${err?.message ?? ""}`));
            const chunks: Buffer[] = [];
            stream.on("data", (c: Buffer) => chunks.push(c));
            stream.on("error", (e) => reject(new ArchiveError(`${manifestFile} cannot be read: ${e.message}`)));
            stream.on("end", () => {
              manifest = Buffer.concat(chunks).toString("utf8");
              zip.readEntry();
            });
          });
        } catch (e) {
          zip.close();
          reject(e);
        }
      });
      zip.readEntry();
    });
  });
}

function inspectTgz(buffer: Buffer): Promise<{ files: number; manifest: string | null }> {
  return new Promise((resolve, reject) => {
    let files = 0;
    let manifest: string | null = null;
    let failed = false;
    const parser = new Parser({ strict: true });
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      reject(error instanceof ArchiveError ? error : new ArchiveError(`The .tgz archive is damaged: ${error.message}`));
    };
    parser.on("entry", (entry: ReadEntry) => {
      try {
        files += 1;
        if (files > maxMembers) throw new ArchiveError(`The archive has more than ${maxMembers} members.`);
        const kind =
          entry.type === "SymbolicLink" || entry.type === "Link"
            ? "link"
            : entry.type === "Directory"
              ? "directory"
              : "file";
        if (
          !["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"].includes(entry.type) &&
          !entry.type.startsWith("Pax")
        ) {
          throw new ArchiveError(
            `The archive member "${entry.path}" is a ${entry.type}; only files and folders are allowed.`,
          );
        }
        const path = checkMember(entry.path, kind);
        if (path === manifestFile) {
          if ((entry.size ?? 0) > maxManifestBytes) throw new ArchiveError(`${manifestFile} is larger than 256 KiB.`);
          const chunks: Buffer[] = [];
          entry.on("data", (c: Buffer) => chunks.push(c));
          entry.on("end", () => {
            manifest = Buffer.concat(chunks).toString("utf8");
          });
        } else {
          entry.resume();
        }
      } catch (e) {
        entry.resume();
        fail(e as Error);
      }
    });
    parser.on("error", (e: Error) => fail(e));
    parser.on("warn", (_code: string, message: string | Error) => fail(new Error(String(message))));
    parser.on("end", () => {
      if (!failed) resolve({ files, manifest });
    });
    parser.end(buffer);
  });
}
