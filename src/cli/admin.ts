import type { Config } from "../platform/config.js";
import { createLogger } from "../platform/logger.js";
import { loadMasterKey } from "../platform/master-key.js";
import { systemActor } from "../services/context.js";
import { createServices } from "../services/index.js";
import { openStorage } from "../storage/database.js";

/** `dirigent migrate` and `dirigent admin …`: one-off maintenance commands against the database. */
export async function adminCommand(
  config: Config,
  command: "migrate" | "admin",
  sub: string | undefined,
  flags: { username?: string | undefined; password?: string | undefined },
): Promise<number> {
  const logger = createLogger("warn");
  const storage = openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const applied = await storage.migrate();
    if (command === "migrate") {
      process.stdout.write(applied.length ? `Applied: ${applied.join(", ")}\n` : "The database is up to date.\n");
      return 0;
    }
    const services = createServices(
      {
        db: storage.db,
        dialect: storage.dialect,
        clock: { now: () => new Date() },
        config,
        logger,
      },
      loadMasterKey({ key: config.masterKey, previous: config.masterKeyPrevious, dataDir: config.dataDir }),
    );
    if (sub === "rotate-master-key") {
      const changed =
        (await services.emailSettings.reencryptSecrets()) +
        (await services.assets.reencryptSecrets()) +
        (await services.buckets.reencryptSecrets()) +
        (await services.webhooks.reencryptSecrets());
      process.stdout.write(`Re-encrypted ${changed} secret(s) under the current master key.\n`);
      return 0;
    }
    if (sub !== "reset-password" || !flags.username || !flags.password) {
      process.stderr.write(
        "Usage: dirigent admin reset-password --username NAME --password PASSWORD\n       dirigent admin rotate-master-key\n",
      );
      return 1;
    }
    const admin = await storage.db
      .selectFrom("system_admins")
      .select("id")
      .where("username", "=", flags.username.toLowerCase())
      .executeTakeFirst();
    if (!admin) {
      process.stderr.write(`No system administrator named "${flags.username}".\n`);
      return 1;
    }
    await services.administrators.resetPassword({ ...systemActor, name: "cli" }, admin.id, flags.password);
    process.stdout.write(`The password of "${flags.username}" was set; its sessions have ended.\n`);
    return 0;
  } finally {
    await storage.close();
  }
}
