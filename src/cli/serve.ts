import type { FastifyInstance } from "fastify";
import { Dispatcher } from "../background/dispatcher.js";
import { Mailer } from "../background/mailer.js";
import { startPeriodic } from "../background/periodic.js";
import { Scheduler } from "../background/scheduler.js";
import { WebhookSender } from "../background/webhook-sender.js";
import { buildApp } from "../http/app.js";
import { type Clock, systemClock } from "../platform/clock.js";
import type { Config } from "../platform/config.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { loadMasterKey } from "../platform/master-key.js";
import { generatePassword } from "../services/identity/secrets.js";
import { createServices, type Services } from "../services/index.js";
import { isFinalJobState } from "../shared/jobs.js";
import { CloseCode } from "../shared/protocol.js";
import { openStorage, type StorageHandle, writesOf } from "../storage/database.js";

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  storage: StorageHandle;
  /** The URL the server listens on (with the real port when 0 was asked for). */
  url: string;
  /** The first administrator's generated password, when this start created it and none was configured. */
  generatedAdminPassword: string | null;
  /** The outbox sender of this node, when it runs one. */
  mailer: Mailer | null;
  close(): Promise<void>;
}

/** Opens storage, migrates, creates the first administrator when the database is empty, and listens. */
export async function startServer(
  config: Config,
  options: { logger?: Logger; webRoot?: string; clock?: Clock } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const storage = openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    logger,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    preparedStatements: config.dbPreparedStatements,
  });
  try {
    const applied = await storage.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, "database migrated");
    const masterKey = loadMasterKey({
      key: config.masterKey,
      previous: config.masterKeyPrevious,
      dataDir: config.dataDir,
    });
    const services = createServices(
      { db: storage.db, dialect: storage.dialect, clock: options.clock ?? systemClock, config, logger },
      masterKey,
    );
    const password = config.adminPassword ?? generatePassword();
    const created = await services.administrators.bootstrap(password, { mustChangePassword: !config.adminPassword });
    const app = await buildApp({ config, logger, services, ...(options.webRoot && { webRoot: options.webRoot }) });
    await app.listen({ port: config.port, host: config.host });
    const bus = await storage.openBus(services.robotHub.nodeId);
    services.robotEvents.connectBus(bus);
    services.requestCache.connect(writesOf(storage.db), bus);
    services.changes.connect(bus);
    // This node's row in cluster_nodes, before robots connect (see startBackground's "cluster-node").
    await services.machines.beatNode(services.robotHub.nodeId);
    const background = startBackground(config, services, logger);
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    return {
      app,
      services,
      storage,
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      generatedAdminPassword: created && !config.adminPassword ? password : null,
      mailer: background.mailer,
      async close() {
        services.robotHub.closeAll(1001, "The server is shutting down.");
        await app.close();
        // The heartbeats noted since the last flush are written before the sessions close.
        await services.machines
          .flushHeartbeats()
          .catch((error: unknown) => logger.warn({ err: error }, "could not write the last robot heartbeats"));
        // The database may be away as the node stops; its sessions then end with the dead-node sweep.
        await services.machines
          .closeNodeSessions(services.robotHub.nodeId, "The server is shutting down.")
          .catch((error: unknown) => logger.warn({ err: error }, "could not close this node's robot sessions"));
        await background.stop();
        await bus.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Starts the background services this node runs (DIRIGENT_SERVICES): the mailer and the sweepers. */
function startBackground(config: Config, services: Services, logger: Logger) {
  const runs = (name: string) => config.services.has("all") || config.services.has(name);
  const mailer = runs("mail")
    ? new Mailer(services.ctx, services.emailSettings, services.masterKey, (l) => services.notifications.onWake(l), {
        pollMs: config.mailPollMs,
        leaseSeconds: config.mailLeaseSeconds,
        deliveryAlerts: services.emailDeliveryAlerts,
      })
    : null;
  mailer?.start();
  const licenseNotices = runs("sweepers")
    ? startPeriodic("license-notices", 3_600_000, () => services.licenses.sendDueNotices(), logger)
    : null;
  // Every node dispatches to the robots connected to it.
  const dispatcher = new Dispatcher(
    services.ctx,
    services.jobs,
    services.maintenance,
    services.robotHub,
    config.dispatchPollMs,
  );
  services.robotEvents.onWake((created) => dispatcher.wake(created));
  dispatcher.start();
  // Every node writes its robots' heartbeats in one statement every few seconds (HeartbeatBatch):
  // at most 5 s, far below the 120 s "unresponsive" alert and the 600 s stale-session sweep below,
  // and at most half the heartbeat interval, so a heartbeat is stored before the next one is due.
  const heartbeats = startPeriodic(
    "robot-heartbeats",
    Math.min(5000, config.robotHeartbeatSeconds * 500),
    () => services.machines.flushHeartbeats(),
    logger,
  );
  // Every node says it is alive every 5 s; a node silent for 60 s is dead, and the sweepers close
  // the robot sessions it held at once (its robots reconnect elsewhere). A node that finds its own
  // row gone was taken for dead (a long pause): its robots reconnect under fresh sessions.
  const nodeBeat = startPeriodic(
    "cluster-node",
    5000,
    async () => {
      if (!(await services.machines.beatNode(services.robotHub.nodeId)))
        services.robotHub.closeAll(CloseCode.unavailable, "The server lost its sessions; reconnect.");
      if (runs("sweepers")) await services.machines.closeDeadNodes(services.robotHub.nodeId, 60);
    },
    logger,
  );
  // Jobs of robots gone for more than a minute fault; stop-after / kill-after limits are enforced.
  const jobSweeper = runs("sweepers") ? startPeriodic("jobs", 1000, () => services.jobs.sweep(60), logger) : null;
  // Sessions whose node died without a cluster_nodes row (an older version) keep no heartbeat:
  // after 10 minutes of silence they are closed.
  const staleSessions = runs("sweepers")
    ? startPeriodic(
        "robot-sessions",
        30_000,
        async () => {
          await services.machines.alertUnresponsive();
          await services.machines.sweepStaleSessions(600);
        },
        logger,
      )
    : null;
  // Queue items in progress past their tenant's abandon period are abandoned; SLA alerts.
  const queueSweeper = runs("sweepers")
    ? startPeriodic("queues", 30_000, () => services.queueSweeper.sweep(), logger)
    : null;
  // Alert digests (every 10 minutes) and daily summaries (07:00 tenant time); each is claimed once.
  const alertDigests = runs("sweepers")
    ? startPeriodic("alert-digests", 30_000, () => services.alertDigests.run(), logger)
    : null;
  // Jobs pending too long raise a warning alert with what they wait for (once per job).
  const pendingAlerts = runs("sweepers")
    ? startPeriodic(
        "pending-jobs",
        30_000,
        () => services.pendingJobAlerts.sweep(services.ctx.clock.now(), config.jobPendingAlertSeconds),
        logger,
      )
    : null;
  // Job logs older than each tenant's retention, and old closed robot sessions, are deleted hourly.
  const logRetention = runs("sweepers")
    ? startPeriodic(
        "log-retention",
        3_600_000,
        async () => {
          await services.jobs.purgeLogs();
          // Closed robot sessions are history for 30 days (each machine keeps its latest for "last seen").
          await services.machines.pruneClosedSessions(30);
        },
        logger,
      )
    : null;
  // Monitoring: slot use, queue items and the outbox sampled into the rollups every minute; old rollups pruned.
  const monitoringSampler = runs("sweepers")
    ? startPeriodic("monitoring", 60_000, () => services.monitoringSampler.sample(), logger)
    : null;
  // Time triggers: every node running "scheduler" may fire them; each fire time fires once.
  const scheduler = runs("scheduler")
    ? new Scheduler(
        services.triggerFiring,
        services.triggerAlerts,
        services.ctx.clock,
        logger,
        config.schedulerPollMs,
        services.queueTriggers,
      )
    : null;
  if (scheduler) {
    services.triggers.onChange(() => scheduler.wake());
    // Queue triggers: items added on this node are evaluated at once (the periodic check covers the rest).
    services.queueItems.onAdded((queueId) => services.queueTriggers.queueChanged(queueId));
    // …and so is a queue trigger whose job ended here (it may start the next job at once).
    services.events.on(async (_db, event) => {
      if (event.type === "job.stateChanged" && event.job.trigger_id !== null && isFinalJobState(event.job.state)) {
        services.queueTriggers.jobEnded(event.job.trigger_id);
      }
    });
  }
  scheduler?.start();
  // Webhook deliveries: every node running "webhooks" sends; a subscription is leased to one at a time.
  const webhookSender = runs("webhooks")
    ? new WebhookSender(services.ctx, services.webhooks, {
        pollMs: config.webhookPollMs,
        leaseSeconds: config.webhookLeaseSeconds,
      })
    : null;
  webhookSender?.start();
  return {
    mailer,
    async stop() {
      await webhookSender?.stop();
      await scheduler?.stop();
      await mailer?.stop();
      await licenseNotices?.stop();
      await staleSessions?.stop();
      await heartbeats.stop();
      await nodeBeat.stop();
      await jobSweeper?.stop();
      await logRetention?.stop();
      await queueSweeper?.stop();
      await alertDigests?.stop();
      await monitoringSampler?.stop();
      await pendingAlerts?.stop();
      await dispatcher.stop();
    },
  };
}
