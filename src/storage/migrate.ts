import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import type { DialectHelpers } from "./dialect.js";
import * as m0001 from "./migrations/0001_foundation.js";
import * as m0002 from "./migrations/0002_email.js";
import * as m0003 from "./migrations/0003_folders.js";
import * as m0004 from "./migrations/0004_machines.js";
import * as m0005 from "./migrations/0005_packages.js";
import * as m0006 from "./migrations/0006_jobs.js";
import * as m0007 from "./migrations/0007_tenant_settings_alerts.js";
import * as m0008 from "./migrations/0008_alert_emails.js";
import * as m0009 from "./migrations/0009_job_log_seq.js";
import * as m0010 from "./migrations/0010_queues.js";
import * as m0011 from "./migrations/0011_assets.js";
import * as m0012 from "./migrations/0012_buckets.js";
import * as m0013 from "./migrations/0013_triggers.js";
import * as m0014 from "./migrations/0014_hot_indexes.js";
import * as m0015 from "./migrations/0015_webhooks.js";
import * as m0016 from "./migrations/0016_monitoring.js";
import * as m0017 from "./migrations/0017_alert_preferences.js";
import * as m0020 from "./migrations/0020_cluster_nodes.js";
import * as m0021 from "./migrations/0021_compat_keys.js";
import * as m0022 from "./migrations/0022_job_event_reasons.js";
import * as m0023 from "./migrations/0023_job_acknowledged.js";
import * as m0025 from "./migrations/0025_webhooks_email_health.js";
import * as m0026 from "./migrations/0026_newcomer.js";
import * as m0027 from "./migrations/0027_trigger_reason_codes.js";

/** Migrations in order. They are bundled code (not files found at run time), so a build cannot lose one. */
const migrations = {
  "0001_foundation": m0001,
  "0002_email": m0002,
  "0003_folders": m0003,
  "0004_machines": m0004,
  "0005_packages": m0005,
  "0006_jobs": m0006,
  "0007_tenant_settings_alerts": m0007,
  "0008_alert_emails": m0008,
  "0009_job_log_seq": m0009,
  "0010_queues": m0010,
  "0011_assets": m0011,
  "0012_buckets": m0012,
  "0013_triggers": m0013,
  "0014_hot_indexes": m0014,
  "0023_job_acknowledged": m0023,
  "0020_cluster_nodes": m0020,
  "0021_compat_keys": m0021,
  "0015_webhooks": m0015,
  "0017_alert_preferences": m0017,
  "0016_monitoring": m0016,
  "0022_job_event_reasons": m0022,
  "0026_newcomer": m0026,
  "0027_trigger_reason_codes": m0027,
  "0025_webhooks_email_health": m0025,
} as const;

class BundledMigrations implements MigrationProvider {
  constructor(private readonly dialect: DialectHelpers) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(migrations)) {
      out[name] = { up: (db) => m.up(db, this.dialect) };
    }
    return out;
  }
}

/**
 * Brings the schema up to date. Kysely's migrator holds a lock while it runs (an advisory
 * transaction lock on PostgreSQL, the write lock on SQLite), so a second node starting at the
 * same time waits, then finds nothing left to do.
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema.
export async function migrateToLatest(db: Kysely<any>, dialect: DialectHelpers): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new BundledMigrations(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const reason = describeDriverError(error);
    throw new Error(`Database migration failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** A driver error in one line; a refused connection to "localhost" is an AggregateError with an empty message. */
function describeDriverError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeDriverError).join("; ");
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === "string" ? code : error.name);
  }
  return String(error);
}
