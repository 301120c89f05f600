/** Components and actions of the audit logs (modelled on the original's host audit enums). */
export const AuditComponent = {
  administrators: "Administrators",
  organizations: "Organizations",
  tenants: "Tenants",
  users: "Users",
  maintenance: "Maintenance",
  settings: "Settings",
  authentication: "Authentication",
  tokens: "Tokens",
  email: "E-mail",
  licenses: "Licenses",
  announcements: "Announcements",
  folders: "Folders",
  roles: "Roles",
  machines: "Machines",
  packages: "Packages",
  processes: "Processes",
  jobs: "Jobs",
  queues: "Queues",
  assets: "Assets",
  buckets: "Buckets",
  triggers: "Triggers",
  calendars: "Calendars",
  webhooks: "Webhooks",
} as const;
export type AuditComponent = (typeof AuditComponent)[keyof typeof AuditComponent];

export const AuditAction = {
  create: "Create",
  update: "Update",
  delete: "Delete",
  activate: "Activate",
  deactivate: "Deactivate",
  changePassword: "Change Password",
  resetPassword: "Reset Password",
  login: "Login",
  loginFailed: "Login Failed",
  logout: "Logout",
  start: "Start",
  end: "End",
  revoke: "Revoke",
  testEmail: "Test E-mail",
  resend: "Resend",
  send: "Send",
  invite: "Invite",
  passwordResetRequest: "Password Reset Request",
  allocate: "Allocate",
  move: "Move",
  assign: "Assign",
  unassign: "Unassign",
  regenerateKey: "Regenerate Key",
  upload: "Upload",
  startJob: "Start Job",
  stopJob: "Stop Job",
  killJob: "Kill Job",
  createLink: "Create Link",
  unlock: "Unlock",
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

const secretKey = /pass(word)?|secret|token|key|hash/i;

/**
 * Copies a value for the audit log with every secret-looking field replaced by "***" (or
 * "changed" in diffs): the audit log must never hold a secret, even a hashed one.
 */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = secretKey.test(k) && v !== null && v !== undefined && typeof v !== "boolean" ? "***" : maskSecrets(v);
    }
    return out;
  }
  return value;
}

/** Keeps only the fields that differ between before and after, so an update row shows what changed. */
export function diffFields<T extends object>(
  before: T,
  after: T,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  const bv = before as Record<string, unknown>;
  const av = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(bv), ...Object.keys(av)])) {
    if (JSON.stringify(bv[key]) !== JSON.stringify(av[key])) {
      b[key] = bv[key];
      a[key] = av[key];
    }
  }
  return { before: b, after: a };
}
