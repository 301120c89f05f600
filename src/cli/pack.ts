import fs from "node:fs";
import path from "node:path";
import { create } from "tar";
import { manifestFile, manifestSchema } from "../domain/manifest.js";

/** Folders never packed: version control and editor state. */
const skipped = new Set([".git", ".svn", ".hg", ".DS_Store"]);

/**
 * `dirigent pack DIR [--out FILE]`: checks DIR/dirigent.json and packs the folder into
 * `<name>-<version>.tgz` (links are refused, as the server would refuse them).
 */
export async function packCommand(dir: string | undefined, out: string | undefined): Promise<number> {
  if (!dir) {
    process.stderr.write("Usage: dirigent pack DIR [--out FILE]\n");
    return 1;
  }
  const root = path.resolve(dir);
  const manifestPath = path.join(root, manifestFile);
  if (!fs.existsSync(manifestPath)) {
    process.stderr.write(`${manifestPath} does not exist: a package needs ${manifestFile} at its root.\n`);
    return 1;
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (error) {
    process.stderr.write(`${manifestFile} is not valid JSON: ${(error as Error).message}\n`);
    return 1;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    process.stderr.write(
      `${manifestFile} is invalid:\n${parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}\n`,
    );
    return 1;
  }
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) throw new Error(`${child} is a link; packages may not contain links.`);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  try {
    walk("");
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const target = path.resolve(out ?? `${parsed.data.name}-${parsed.data.version}.tgz`);
  await create({ gzip: true, cwd: root, file: target, portable: true, noMtime: true }, files.sort());
  process.stdout.write(`Packed ${parsed.data.name} ${parsed.data.version} (${files.length} files) into ${target}\n`);
  return 0;
}
