import type { MasterKey } from "../platform/master-key.js";
import { jobReason } from "../shared/job-reasons.js";
import { writesOf } from "../storage/database.js";
import { AccessService } from "./access/access-service.js";
import { RequestCache } from "./access/request-cache.js";
import { AlertDigests } from "./alerts/alert-digests.js";
import { AlertService } from "./alerts/alert-service.js";
import { EmailDeliveryAlerts } from "./alerts/email-delivery-alerts.js";
import { AnnouncementService } from "./announcements/announcement-service.js";
import { AssetService } from "./assets/asset-service.js";
import { AssetVault } from "./assets/asset-vault.js";
import { JobAssetService } from "./assets/job-asset-service.js";
import { AuditService } from "./audit/audit-service.js";
import { BucketFileService } from "./buckets/bucket-file-service.js";
import { BucketLinks } from "./buckets/bucket-links.js";
import { BucketService } from "./buckets/bucket-service.js";
import { TenantChanges } from "./changes/tenant-changes.js";
import type { ServiceContext } from "./context.js";
import { EmailSettingsService } from "./email/email-settings-service.js";
import { NotificationService } from "./email/notification-service.js";
import { OutboxService } from "./email/outbox-service.js";
import { OAuthTokens } from "./email/transport.js";
import { DomainEvents } from "./events/domain-events.js";
import { FolderService } from "./folders/folder-service.js";
import { ReadinessService } from "./health/readiness-service.js";
import { AdministratorService } from "./host/administrator-service.js";
import { OrganizationService } from "./host/organization-service.js";
import { SecuritySettingsService } from "./host/security-settings-service.js";
import { AccountLinksService } from "./identity/account-links-service.js";
import { AuthService } from "./identity/auth-service.js";
import { ProfileService } from "./identity/profile-service.js";
import { JobService } from "./jobs/job-service.js";
import { JobWaiting } from "./jobs/job-waiting.js";
import { LogStream } from "./jobs/log-stream.js";
import { PendingJobAlerts } from "./jobs/pending-job-alerts.js";
import { LicenseService } from "./licenses/license-service.js";
import { MaintenanceService } from "./maintenance/maintenance-service.js";
import { createMonitoring } from "./monitoring/index.js";
import { UserService } from "./org/user-service.js";
import { PackageService } from "./packages/package-service.js";
import { ProcessService } from "./processes/process-service.js";
import { createQueueServices } from "./queues/index.js";
import { MachineService } from "./robots/machine-service.js";
import { RobotEvents } from "./robots/robot-events.js";
import { RobotHub } from "./robots/robot-hub.js";
import { RobotSessionService } from "./robots/robot-session-service.js";
import { RoleService } from "./roles/role-service.js";
import { TenantSettingsService } from "./settings/tenant-settings-service.js";
import { CalendarService } from "./triggers/calendar-service.js";
import { HttpTriggers } from "./triggers/http-triggers.js";
import { QueueTriggers } from "./triggers/queue-triggers.js";
import { TriggerAlerts } from "./triggers/trigger-alerts.js";
import { TriggerBulk } from "./triggers/trigger-bulk.js";
import { TriggerFiring } from "./triggers/trigger-firing.js";
import { TriggerService } from "./triggers/trigger-service.js";
import { WebhookOutbox } from "./webhooks/webhook-outbox.js";
import { WebhookService } from "./webhooks/webhook-service.js";

export type Services = ReturnType<typeof createServices>;

/** Wires the services together; the one place that knows their dependencies. */
export function createServices(base: ServiceContext, masterKey: MasterKey) {
  const events = new DomainEvents();
  const changes = new TenantChanges(writesOf(base.db));
  // First: what a domain event changed is noted for the live pages (told once it commits).
  events.on(async (_db, event) => changes.noteEvent(event));
  const ctx: ServiceContext = { ...base, events, changes };
  const audit = new AuditService(ctx);
  const notifications = new NotificationService(ctx, masterKey);
  const emailSettings = new EmailSettingsService(ctx, audit, masterKey, new OAuthTokens());
  const requestCache = new RequestCache(ctx.config.authCacheSeconds * 1000, ctx.logger);
  const security = new SecuritySettingsService(ctx, audit, requestCache);
  const maintenance = new MaintenanceService(ctx, audit, notifications, requestCache);
  const auth = new AuthService(ctx, audit, security, maintenance, requestCache);
  const accountLinks = new AccountLinksService(ctx, audit, auth, notifications, emailSettings);
  const robotHub = new RobotHub();
  const access = new AccessService(ctx);
  const alerts = new AlertService(ctx, audit, access, notifications, masterKey);
  const packages = new PackageService(ctx, audit);
  const processes = new ProcessService(ctx, audit, packages);
  const robotEvents = new RobotEvents(robotHub);
  const jobs = new JobService(ctx, audit, processes, alerts, events, requestCache);
  jobs.connectRobots(robotEvents);
  maintenance.connectJobs((tenantId, mode) => jobs.stopAllActive(tenantId, mode, jobReason("maintenance-started")));
  const machines = new MachineService(ctx, audit, maintenance, robotHub, alerts, requestCache);
  const logStream = new LogStream();
  const buckets = new BucketService(ctx, audit, masterKey);
  const tenantSettings = new TenantSettingsService(ctx, audit);
  const calendars = new CalendarService(ctx, audit);
  const triggers = new TriggerService(ctx, audit, jobs, calendars, tenantSettings);
  const queueServices = createQueueServices(ctx, audit, alerts);
  const webhooks = new WebhookService(ctx, audit, alerts, masterKey);
  events.on(new WebhookOutbox(ctx, () => webhooks.wake(), requestCache).listener);
  const alertDigests = new AlertDigests(ctx, alerts, access, notifications);
  alertDigests.listen(events);
  const monitoring = createMonitoring(ctx, events, machines, maintenance);
  return {
    ctx,
    masterKey,
    events,
    changes,
    requestCache,
    readiness: new ReadinessService(ctx),
    audit,
    security,
    maintenance,
    auth,
    accountLinks,
    notifications,
    emailSettings,
    outbox: new OutboxService(ctx, audit, () => notifications.wakeSoon()),
    licenses: new LicenseService(ctx, audit, notifications, alerts),
    announcements: new AnnouncementService(ctx, audit, notifications),
    profile: new ProfileService(ctx, audit),
    administrators: new AdministratorService(ctx, audit, auth),
    organizations: new OrganizationService(ctx, audit, auth, accountLinks),
    users: new UserService(ctx, audit, auth, accountLinks),
    access,
    folders: new FolderService(ctx, audit),
    roles: new RoleService(ctx, audit),
    robotHub,
    machines,
    alerts,
    emailDeliveryAlerts: new EmailDeliveryAlerts(ctx, alerts),
    alertDigests,
    packages,
    processes,
    jobs,
    jobWaiting: new JobWaiting(ctx, maintenance),
    pendingJobAlerts: new PendingJobAlerts(ctx, alerts, maintenance),
    robotEvents,
    logStream,
    robotSessions: new RobotSessionService(ctx, machines, jobs, maintenance, robotHub, robotEvents, logStream),
    ...queueServices,
    assets: new AssetService(ctx, audit, new AssetVault(masterKey)),
    jobAssets: new JobAssetService(ctx, audit, new AssetVault(masterKey)),
    buckets,
    bucketFiles: new BucketFileService(ctx, audit, buckets, new BucketLinks(masterKey)),
    tenantSettings,
    calendars,
    triggers,
    triggerFiring: new TriggerFiring(ctx, audit, jobs, triggers, alerts),
    triggerAlerts: new TriggerAlerts(ctx, alerts),
    httpTriggers: new HttpTriggers(ctx, audit, jobs),
    queueTriggers: new QueueTriggers(ctx, audit, jobs, queueServices.queues, alerts),
    triggerBulk: new TriggerBulk(ctx, audit, () => triggers.notifyChanged()),
    webhooks,
    ...monitoring,
  };
}
