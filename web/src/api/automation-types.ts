import type { JobState } from "../../../src/shared/jobs";

/** The API's shapes of one tenant's automation: folders, roles, machines, packages, processes, jobs, alerts. */

export type { Alert, ListedAlert } from "../../../src/shared/api/alerts";
export type { Folder } from "../../../src/shared/api/folders";
export type { Job, JobDetail, JobStartInput, LogLine } from "../../../src/shared/api/jobs";
export type { Machine, MachineWithKey, RobotSession } from "../../../src/shared/api/machines";
export type {
  EntryPoint,
  PackageSummary,
  PackageVersion,
  Process,
  ProcessInput,
} from "../../../src/shared/api/packages";
export type {
  FolderAssignment,
  Role,
  RoleCatalogue,
  TenantAssignment,
  TenantPermissions,
} from "../../../src/shared/api/roles";
export type { JobState, LogLevel } from "../../../src/shared/jobs";
export type { RobotState } from "../../../src/shared/robot";

export interface JobFilters {
  state?: JobState | null;
  processId?: number | null;
  machineId?: number | null;
  folderId?: number | null;
  from?: string;
  to?: string;
}
