import { NotFoundError } from "../../../domain/errors.js";
import { presentSession } from "../../../services/robots/machine-model.js";
import { RobotState } from "../../../shared/robot.js";
import type { MachineRow, RobotSessionRow } from "../../../storage/schema.js";
import type { ODataContext } from "../context.js";
import { type Dto, idOf, listQuery, type ODataResult, pascal, queryOf, selectFields, single } from "../envelope.js";
import type { EntityModel } from "../query/query-options.js";

/**
 * Robots, Machines and Sessions as read views (OC's `getRobots`, `getMachines`, `getSessions`).
 * A Dirigent machine is both the original's machine and its one unattended robot: a robot's `Id`
 * is the machine's id, as in Jobs' `Robot` and StartJobs' `RobotIds`. Sessions are the agents'
 * connections (robot_sessions). Reading needs `machines.view` in the tenant, as `GET T/machines`;
 * a folder header narrows the list to the machines that serve that folder.
 */

const selectOnly = (names: string[]) => names.map((name) => ({ name, type: "string" as const }));

export const robotModel: EntityModel = {
  set: "Robots",
  defaultOrder: { column: "machines.id", direction: "asc" },
  properties: [
    { name: "Id", column: "machines.id", type: "int" },
    { name: "Name", column: "machines.name", type: "string" },
    { name: "MachineId", column: "machines.id", type: "int" },
    { name: "MachineName", column: "machines.name", type: "string" },
    { name: "Description", column: "machines.description", type: "string" },
    { name: "CreationTime", column: "machines.created_at", type: "date" },
    { name: "LastModificationTime", column: "machines.updated_at", type: "date" },
    ...selectOnly([
      "LicenseKey",
      "Username",
      "ExternalName",
      "Version",
      "Type",
      "HostingType",
      "ProvisionType",
      "Password",
      "CredentialStoreId",
      "CredentialType",
      "UserId",
      "Enabled",
      "RobotEnvironments",
      "ExecutionSettings",
      "IsExternalLicensed",
      "LimitConcurrentExecution",
    ]),
  ],
};

export const machineModel: EntityModel = {
  set: "Machines",
  defaultOrder: { column: "machines.id", direction: "asc" },
  properties: [
    { name: "Id", column: "machines.id", type: "int" },
    { name: "Key", column: "machines.key", type: "guid" },
    { name: "Name", column: "machines.name", type: "string" },
    { name: "Description", column: "machines.description", type: "string" },
    { name: "UnattendedSlots", column: "machines.slots", type: "int" },
    { name: "CreationTime", column: "machines.created_at", type: "date" },
    { name: "LastModificationTime", column: "machines.updated_at", type: "date" },
    ...selectOnly([
      "LicenseKey",
      "ClientSecret",
      "Type",
      "Scope",
      "NonProductionSlots",
      "HeadlessSlots",
      "TestAutomationSlots",
      "AutomationType",
      "TargetFramework",
      "RobotVersions",
      "RobotUsers",
      "MaintenanceWindow",
      "Tags",
    ]),
  ],
};

const sessionStates = {
  available: RobotState.available,
  busy: RobotState.busy,
  disconnected: RobotState.disconnected,
  // The original's fourth state: no Dirigent session is in it.
  unknown: "unknown",
};

export const sessionModel: EntityModel = {
  set: "Sessions",
  defaultOrder: { column: "rs.id", direction: "asc" },
  expand: ["Robot", "Machine"],
  properties: [
    { name: "Id", column: "rs.id", type: "int" },
    { name: "SessionId", column: "rs.id", type: "int" },
    { name: "MachineId", column: "rs.machine_id", type: "int" },
    { name: "MachineName", column: "m.name", type: "string" },
    { name: "HostMachineName", column: "rs.host_name", type: "string" },
    { name: "State", column: "rs.state", type: { enum: sessionStates } },
    { name: "ReportingTime", column: "rs.last_heartbeat_at", type: "date" },
    { name: "Version", column: "rs.agent_version", type: "string" },
    ...selectOnly(["Robot", "Machine", "RuntimeType", "IsUnresponsive", "Platform", "RobotSessionType", "Info", "Job"]),
  ],
};

/** The machine ids a folder header narrows to (null: no header, every machine of the tenant). */
async function folderMachines(ctx: ODataContext): Promise<number[] | null> {
  const folder = await ctx.headerFolder();
  if (!folder) return null;
  const rows = await ctx.services.ctx.db
    .selectFrom("machine_folders")
    .select("machine_id")
    .where("folder_id", "=", folder.row.id)
    .execute();
  return rows.map((r) => r.machine_id);
}

/** Each machine's newest session (the robot's version and state come from it). */
async function latestSessions(ctx: ODataContext, ids: number[]): Promise<Map<number, RobotSessionRow>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.services.ctx.db
    .selectFrom("robot_sessions")
    .selectAll()
    .where("id", "in", (eb) =>
      eb
        .selectFrom("robot_sessions")
        .select((e) => e.fn.max("id").as("id"))
        .where("tenant_id", "=", ctx.tenant.id)
        .where("machine_id", "in", ids)
        .groupBy("machine_id"),
    )
    .execute();
  return new Map(rows.map((r) => [r.machine_id, r]));
}

function presentRobot(m: MachineRow, session: RobotSessionRow | undefined): Dto {
  return {
    Id: m.id,
    Name: m.name,
    MachineName: m.name,
    MachineId: m.id,
    // The machine key is shown once, when the machine is created: never here.
    LicenseKey: null,
    Username: null,
    ExternalName: null,
    Description: m.description,
    Version: session?.agent_version ?? null,
    Type: "Unattended",
    HostingType: "Standard",
    ProvisionType: "Manual",
    Password: null,
    CredentialStoreId: null,
    CredentialType: null,
    UserId: null,
    Enabled: true,
    RobotEnvironments: "",
    ExecutionSettings: {},
    IsExternalLicensed: false,
    LimitConcurrentExecution: false,
    CreationTime: m.created_at,
    LastModificationTime: m.updated_at,
  };
}

async function presentMachines(ctx: ODataContext, rows: MachineRow[]): Promise<Dto[]> {
  const ids = rows.map((m) => m.id);
  const live =
    ids.length === 0
      ? []
      : await ctx.services.ctx.db
          .selectFrom("robot_sessions")
          .select(["machine_id", "agent_version"])
          .where("tenant_id", "=", ctx.tenant.id)
          .where("machine_id", "in", ids)
          .where("disconnected_at", "is", null)
          .execute();
  return rows.map((m) => {
    const versions = new Map<string, number>();
    for (const s of live)
      if (s.machine_id === m.id) versions.set(s.agent_version, (versions.get(s.agent_version) ?? 0) + 1);
    return {
      Id: m.id,
      Key: m.key,
      Name: m.name,
      Description: m.description,
      // Any number of agents may connect with one machine key, each with the machine's slots.
      Type: "Template",
      Scope: "Default",
      LicenseKey: null,
      ClientSecret: null,
      UnattendedSlots: m.slots,
      NonProductionSlots: 0,
      HeadlessSlots: 0,
      TestAutomationSlots: 0,
      AutomationType: "Any",
      TargetFramework: "Portable",
      RobotVersions: [...versions].map(([Version, Count]) => ({ Count, Version, MachineId: m.id })),
      RobotUsers: [],
      MaintenanceWindow: null,
      Tags: [],
      CreationTime: m.created_at,
      LastModificationTime: m.updated_at,
    };
  });
}

const platforms: Record<string, string> = { win32: "Windows", linux: "Linux", darwin: "OSX" };

function presentSessionDto(ctx: ODataContext, s: RobotSessionRow & { machine_name: string }, expand: Set<string>): Dto {
  const view = presentSession(s, ctx.services.ctx.clock.now());
  const unresponsive = view.state === RobotState.unresponsive;
  const ref = { Id: s.machine_id, Name: s.machine_name };
  return {
    Id: s.id,
    SessionId: s.id,
    ...(expand.has("Robot") && { Robot: ref }),
    ...(expand.has("Machine") && { Machine: ref }),
    MachineId: s.machine_id,
    MachineName: s.machine_name,
    HostMachineName: s.host_name,
    RuntimeType: "Unattended",
    // The stored state; a silent agent keeps it and is flagged IsUnresponsive, as the original.
    State: pascal(s.state),
    ReportingTime: s.last_heartbeat_at,
    IsUnresponsive: unresponsive,
    Version: s.agent_version,
    Platform: platforms[s.os.split(" ")[0] ?? ""] ?? "Unknown",
    RobotSessionType: "LongLived",
    Info: s.disconnect_reason,
    Job: null,
  };
}

function machinesBase(ctx: ODataContext, only: number[] | null) {
  ctx.access.assertTenant("machines.view");
  let base = ctx.services.ctx.db.selectFrom("machines").selectAll().where("machines.tenant_id", "=", ctx.tenant.id);
  if (only) base = only.length === 0 ? base.where("machines.id", "<", 0) : base.where("machines.id", "in", only);
  return base;
}

/** `GET /odata/Robots`: one robot per machine. */
export async function listRobots(ctx: ODataContext): Promise<ODataResult> {
  const base = machinesBase(ctx, await folderMachines(ctx));
  return listQuery(ctx, robotModel, base, async (rows: MachineRow[]) => {
    const sessions = await latestSessions(
      ctx,
      rows.map((r) => r.id),
    );
    return rows.map((r) => presentRobot(r, sessions.get(r.id)));
  });
}

/** The machine `id` of the tenant that the folder header (if any) allows; 404 otherwise. */
async function oneMachine(ctx: ODataContext, id: string, what: string): Promise<MachineRow> {
  const machineId = idOf(id);
  const only = await folderMachines(ctx);
  const row = await machinesBase(ctx, only).where("machines.id", "=", machineId).executeTakeFirst();
  if (!row) throw new NotFoundError(what);
  return row;
}

/** `GET /odata/Robots({id})`. */
export async function getRobot(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await oneMachine(ctx, id, "The robot");
  const sessions = await latestSessions(ctx, [row.id]);
  const dto = presentRobot(row, sessions.get(row.id));
  return single(ctx, "Robots", selectFields(dto, queryOf(ctx, robotModel).select));
}

/** `GET /odata/Machines`. */
export async function listMachines(ctx: ODataContext): Promise<ODataResult> {
  const base = machinesBase(ctx, await folderMachines(ctx));
  return listQuery(ctx, machineModel, base, (rows: MachineRow[]) => presentMachines(ctx, rows));
}

/** `GET /odata/Machines({id})`. */
export async function getMachine(ctx: ODataContext, id: string): Promise<ODataResult> {
  const row = await oneMachine(ctx, id, "The machine");
  const [dto] = await presentMachines(ctx, [row]);
  return single(ctx, "Machines", selectFields(dto as Dto, queryOf(ctx, machineModel).select));
}

/** `GET /odata/Sessions`: every agent connection of the tenant's machines (closed ones until they are pruned). */
export async function listSessions(ctx: ODataContext): Promise<ODataResult> {
  ctx.access.assertTenant("machines.view");
  const only = await folderMachines(ctx);
  let base = ctx.services.ctx.db
    .selectFrom("robot_sessions as rs")
    .innerJoin("machines as m", "m.id", "rs.machine_id")
    .selectAll("rs")
    .select("m.name as machine_name")
    .where("rs.tenant_id", "=", ctx.tenant.id);
  if (only) base = only.length === 0 ? base.where("rs.id", "<", 0) : base.where("rs.machine_id", "in", only);
  return listQuery(ctx, sessionModel, base, (rows, query) => rows.map((r) => presentSessionDto(ctx, r, query.expand)));
}
