import type { ODataContext } from "./context.js";
import * as ab from "./entities/assets-buckets.js";
import * as f from "./entities/folders.js";
import * as j from "./entities/jobs.js";
import * as q from "./entities/queues.js";
import * as r from "./entities/robots.js";
import * as s from "./entities/schedules.js";
import type { ODataResult } from "./envelope.js";

/**
 * Every operation of the original's API that Dirigent serves, as the clients address it (below
 * the prefix: `/{org}/{tenant}/orchestrator_`, or the server root). `path` is matched
 * case-insensitively against the decoded path; its groups are the operation's parameters.
 * docs/compatibility.md lists the same table (test/integration/odata-wire.test.ts checks it).
 */
export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** As written in the docs, e.g. `POST /odata/Jobs/UiPath.Server.Configuration.OData.StartJobs`. */
  name: string;
  path: RegExp;
  run(ctx: ODataContext, params: string[], body: unknown): Promise<ODataResult>;
}

const action = "UiPath\\.Server\\.Configuration\\.OData\\.";
const queueAction = "UiPathODataSvc\\.";
const id = "\\(([^)]*)\\)";

function op(method: Operation["method"], name: string, pattern: string, run: Operation["run"]): Operation {
  return { method, name, path: new RegExp(`^${pattern}$`, "i"), run };
}

export const operations: Operation[] = [
  // Folders
  op("GET", "GET /odata/Folders", "/odata/Folders", (ctx) => f.listFolders(ctx)),
  op("GET", "GET /odata/Folders({id})", `/odata/Folders${id}`, (ctx, [k]) => f.getFolder(ctx, k as string)),
  op(
    "GET",
    "GET /api/FoldersNavigation/GetFoldersForCurrentUser",
    "/api/FoldersNavigation/GetFoldersForCurrentUser",
    (ctx) => f.foldersForCurrentUser(ctx),
  ),
  op(
    "GET",
    "GET /odata/Users/UiPath.Server.Configuration.OData.GetCurrentUserExtended",
    `/odata/Users/${action}GetCurrentUserExtended`,
    async (ctx) => ({
      status: 200,
      body: {
        "@odata.context": `${ctx.base}/odata/$metadata#Users/$entity`,
        Id: ctx.request.auth?.principal.id ?? null,
        UserName: ctx.actor.name,
        EmailAddress: ctx.request.auth?.principal.kind === "user" ? ctx.request.auth.principal.email : null,
        PersonalWorkspace: null,
      },
    }),
  ),
  // Releases
  op("GET", "GET /odata/Releases", "/odata/Releases", (ctx) => f.listReleases(ctx)),
  op("GET", "GET /odata/Releases({id})", `/odata/Releases${id}`, (ctx, [k]) => f.getRelease(ctx, k as string)),
  // Jobs
  op("GET", "GET /odata/Jobs", "/odata/Jobs", (ctx) => j.listJobs(ctx)),
  op("GET", "GET /odata/Jobs({id})", `/odata/Jobs${id}`, (ctx, [k]) => j.getJob(ctx, k as string)),
  op(
    "GET",
    "GET /odata/Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier={key})",
    `/odata/Jobs/${action}GetByKey\\(identifier=([^)]*)\\)`,
    (ctx, [k]) => j.getJobByKey(ctx, k as string),
  ),
  op(
    "POST",
    "POST /odata/Jobs/UiPath.Server.Configuration.OData.StartJobs",
    `/odata/Jobs/${action}StartJobs`,
    (ctx, _, b) => j.startJobs(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/Jobs/UiPath.Server.Configuration.OData.StopJobs",
    `/odata/Jobs/${action}StopJobs`,
    (ctx, _, b) => j.stopJobs(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/Jobs({id})/UiPath.Server.Configuration.OData.StopJob",
    `/odata/Jobs${id}/${action}StopJob`,
    (ctx, [k], b) => j.stopJob(ctx, k as string, b),
  ),
  op(
    "POST",
    "POST /odata/Jobs/UiPath.Server.Configuration.OData.RestartJob",
    `/odata/Jobs/${action}RestartJob`,
    (ctx, _, b) => j.restartJob(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/Jobs/UiPath.Server.Configuration.OData.ResumeJob",
    `/odata/Jobs/${action}ResumeJob`,
    (ctx, _, b) => j.resumeJob(ctx, b),
  ),
  // Assets
  op(
    "GET",
    "GET /odata/Assets/UiPath.Server.Configuration.OData.GetFiltered",
    `/odata/Assets/${action}GetFiltered`,
    (ctx) => ab.listAssets(ctx, "folder"),
  ),
  op(
    "GET",
    "GET /odata/Assets/UiPath.Server.Configuration.OData.GetAssetsAcrossFolders",
    `/odata/Assets/${action}GetAssetsAcrossFolders`,
    (ctx) => ab.listAssets(ctx, "across"),
  ),
  op("GET", "GET /odata/Assets", "/odata/Assets", (ctx) => ab.listAssets(ctx, "optional")),
  op("GET", "GET /odata/Assets({id})", `/odata/Assets${id}`, (ctx, [k]) => ab.getAsset(ctx, k as string)),
  op("POST", "POST /odata/Assets", "/odata/Assets", (ctx, _, b) => ab.createAsset(ctx, b)),
  op("PUT", "PUT /odata/Assets({id})", `/odata/Assets${id}`, (ctx, [k], b) => ab.updateAsset(ctx, k as string, b)),
  op("DELETE", "DELETE /odata/Assets({id})", `/odata/Assets${id}`, (ctx, [k]) => ab.deleteAsset(ctx, k as string)),
  op(
    "POST",
    "POST /odata/Assets/UiPath.Server.Configuration.OData.GetRobotAssetByNameForRobotKey",
    `/odata/Assets/${action}GetRobotAssetByNameForRobotKey`,
    (ctx, _, b) => ab.robotAssetByBody(ctx, b),
  ),
  op(
    "GET",
    "GET /odata/Assets/UiPath.Server.Configuration.OData.GetRobotAsset(robotId='{key}',assetName='{name}')",
    `/odata/Assets/${action}GetRobotAsset\\(robotId='([^']*)',\\s*assetName='((?:[^']|'')*)'\\)`,
    (ctx, [, name]) => ab.robotAsset(ctx, (name as string).replace(/''/g, "'")),
  ),
  // Queue definitions
  op("GET", "GET /odata/QueueDefinitions", "/odata/QueueDefinitions", (ctx) => q.listQueues(ctx, false)),
  op(
    "GET",
    "GET /odata/QueueDefinitions/UiPath.Server.Configuration.OData.GetQueuesAcrossFolders",
    `/odata/QueueDefinitions/${action}GetQueuesAcrossFolders`,
    (ctx) => q.listQueues(ctx, true),
  ),
  op("GET", "GET /odata/QueueDefinitions({id})", `/odata/QueueDefinitions${id}`, (ctx, [k]) =>
    q.getQueue(ctx, k as string),
  ),
  op("POST", "POST /odata/QueueDefinitions", "/odata/QueueDefinitions", (ctx, _, b) => q.createQueue(ctx, b)),
  op("PUT", "PUT /odata/QueueDefinitions({id})", `/odata/QueueDefinitions${id}`, (ctx, [k], b) =>
    q.updateQueue(ctx, k as string, b),
  ),
  op("DELETE", "DELETE /odata/QueueDefinitions({id})", `/odata/QueueDefinitions${id}`, (ctx, [k]) =>
    q.deleteQueue(ctx, k as string),
  ),
  // Queue items and transactions
  op(
    "POST",
    "POST /odata/Queues/UiPathODataSvc.AddQueueItem",
    `/odata/Queues/${queueAction}AddQueueItem`,
    (ctx, _, b) => q.addQueueItem(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/Queues/UiPathODataSvc.BulkAddQueueItems",
    `/odata/Queues/${queueAction}BulkAddQueueItems`,
    (ctx, _, b) => q.bulkAddQueueItems(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/Queues/UiPathODataSvc.StartTransaction",
    `/odata/Queues/${queueAction}StartTransaction`,
    (ctx, _, b) => q.startTransaction(ctx, b),
  ),
  op(
    "POST",
    "POST /odata/QueueItems({id})/UiPathODataSvc.SetTransactionProgress",
    `/odata/QueueItems${id}/${queueAction}SetTransactionProgress`,
    (ctx, [k], b) => q.setTransactionProgress(ctx, k as string, b),
  ),
  op(
    "POST",
    "POST /odata/Queues({id})/UiPathODataSvc.SetTransactionResult",
    `/odata/Queues${id}/${queueAction}SetTransactionResult`,
    (ctx, [k], b) => q.setTransactionResult(ctx, k as string, b),
  ),
  op("GET", "GET /odata/QueueItems", "/odata/QueueItems", (ctx) => q.listQueueItems(ctx)),
  op("GET", "GET /odata/QueueItems({id})", `/odata/QueueItems${id}`, (ctx, [k]) => q.getQueueItem(ctx, k as string)),
  op("DELETE", "DELETE /odata/QueueItems({id})", `/odata/QueueItems${id}`, (ctx, [k]) =>
    q.deleteQueueItem(ctx, k as string),
  ),
  op("PUT", "PUT /odata/QueueItems({id})", `/odata/QueueItems${id}`, (ctx, [k], b) =>
    q.editQueueItem(ctx, k as string, b),
  ),
  op("PATCH", "PATCH /odata/QueueItems({id})", `/odata/QueueItems${id}`, (ctx, [k], b) =>
    q.editQueueItem(ctx, k as string, b),
  ),
  // Buckets
  op("GET", "GET /odata/Buckets", "/odata/Buckets", (ctx) => ab.listBuckets(ctx, false)),
  op(
    "GET",
    "GET /odata/Buckets/UiPath.Server.Configuration.OData.GetBucketsAcrossFolders",
    `/odata/Buckets/${action}GetBucketsAcrossFolders`,
    (ctx) => ab.listBuckets(ctx, true),
  ),
  op("GET", "GET /odata/Buckets({id})", `/odata/Buckets${id}`, (ctx, [k]) => ab.getBucket(ctx, k as string)),
  op(
    "GET",
    "GET /odata/Buckets/UiPath.Server.Configuration.OData.GetByKey(identifier='{key}')",
    `/odata/Buckets/${action}GetByKey\\(identifier=([^)]*)\\)`,
    (ctx, [k]) => ab.getBucketByKey(ctx, k as string),
  ),
  op("POST", "POST /odata/Buckets", "/odata/Buckets", (ctx, _, b) => ab.createBucket(ctx, b)),
  op("DELETE", "DELETE /odata/Buckets({id})", `/odata/Buckets${id}`, (ctx, [k]) => ab.deleteBucket(ctx, k as string)),
  op(
    "GET",
    "GET /odata/Buckets({id})/UiPath.Server.Configuration.OData.GetReadUri",
    `/odata/Buckets${id}/${action}GetReadUri`,
    (ctx, [k]) => ab.bucketUri(ctx, k as string, "GET"),
  ),
  op(
    "GET",
    "GET /odata/Buckets({id})/UiPath.Server.Configuration.OData.GetWriteUri",
    `/odata/Buckets${id}/${action}GetWriteUri`,
    (ctx, [k]) => ab.bucketUri(ctx, k as string, "PUT"),
  ),
  op(
    "GET",
    "GET /odata/Buckets({id})/UiPath.Server.Configuration.OData.GetFiles",
    `/odata/Buckets${id}/${action}GetFiles`,
    (ctx, [k]) => ab.bucketFiles(ctx, k as string),
  ),
  op("GET", "GET /api/Buckets/{id}/ListFiles", "/api/Buckets/([^/]+)/ListFiles", (ctx, [k]) =>
    ab.listBucketFiles(ctx, k as string),
  ),
  // Robots, machines and their sessions (read views)
  op("GET", "GET /odata/Robots", "/odata/Robots", (ctx) => r.listRobots(ctx)),
  op("GET", "GET /odata/Robots({id})", `/odata/Robots${id}`, (ctx, [k]) => r.getRobot(ctx, k as string)),
  op("GET", "GET /odata/Machines", "/odata/Machines", (ctx) => r.listMachines(ctx)),
  op("GET", "GET /odata/Machines({id})", `/odata/Machines${id}`, (ctx, [k]) => r.getMachine(ctx, k as string)),
  op("GET", "GET /odata/Sessions", "/odata/Sessions", (ctx) => r.listSessions(ctx)),
  // Schedules (time and queue triggers)
  op("GET", "GET /odata/ProcessSchedules", "/odata/ProcessSchedules", (ctx) => s.listSchedules(ctx)),
  op("GET", "GET /odata/ProcessSchedules({id})", `/odata/ProcessSchedules${id}`, (ctx, [k]) =>
    s.getSchedule(ctx, k as string),
  ),
  op(
    "POST",
    "POST /odata/ProcessSchedules/UiPath.Server.Configuration.OData.SetEnabled",
    `/odata/ProcessSchedules/${action}SetEnabled`,
    (ctx, _, b) => s.setSchedulesEnabled(ctx, b),
  ),
];

/** Entity sets and controllers of the original that Dirigent knows but does not serve: 501 naming the operation. */
export const knownButUnsupported =
  /^\/(odata\/(Robots|Sessions|Machines|Processes|RobotLogs|ProcessSchedules|Environments|Users|Roles|Settings|Tenants|Alerts|AuditLogs|Attachments|Webhooks|TestSets|TestSetExecutions|TestCaseExecutions|Exports|Libraries|Calendars|Stats|Status|QueueItemEvents|QueueItemComments|QueueProcessingRecords|JobTriggers|Folders|Releases|Jobs|Assets|QueueDefinitions|Queues|QueueItems|Buckets)\b|api\/(Status|Stats|RobotsService|logs|JobTriggers|JobAttachments|Account|Buckets|FoldersNavigation)\b)/i;
