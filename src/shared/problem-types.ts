/**
 * Stable `type` values of every problem+json answer. Clients (the UI, scripts) branch on these,
 * so a slug, once shipped, never changes meaning. docs/problems.md describes each.
 */
export const ProblemType = {
  validationFailed: "validation-failed",
  invalidCredentials: "invalid-credentials",
  /** The right password for an account locked after failed sign-ins: the answer says until when. */
  accountLocked: "account-locked",
  authenticationRequired: "authentication-required",
  forbidden: "forbidden",
  csrfFailed: "csrf-failed",
  /** The bootstrap administrator must choose a password and give an e-mail address first (POST /me/setup). */
  setupRequired: "setup-required",
  notFound: "not-found",
  conflict: "conflict",
  alreadyExists: "already-exists",
  lastAdministrator: "last-administrator",
  invalidStateTransition: "invalid-state-transition",
  invalidLink: "invalid-link",
  folderNotEmpty: "folder-not-empty",
  roleInUse: "role-in-use",
  tenantDisabled: "tenant-disabled",
  licenseExceeded: "license-exceeded",
  invalidPackage: "invalid-package",
  packageInUse: "package-in-use",
  duplicateReference: "duplicate-reference",
  calendarInUse: "calendar-in-use",
  maintenance: "maintenance",
  databaseUnavailable: "database-unavailable",
  rateLimited: "rate-limited",
  payloadTooLarge: "payload-too-large",
  unsupportedMediaType: "unsupported-media-type",
  invalidPath: "invalid-path",
  bucketReadOnly: "bucket-read-only",
  rangeNotSatisfiable: "range-not-satisfiable",
  invalidSignature: "invalid-signature",
  linkExpired: "link-expired",
  storageUnavailable: "storage-unavailable",
  internal: "internal-error",
  assetTypeImmutable: "asset-type-immutable",
  assetNotFound: "asset-not-found",
  assetValueMissing: "asset-value-missing",
  /** An operation of the original product's API that Dirigent's compatibility layer does not offer (501). */
  notImplemented: "not-implemented",
} as const;

export type ProblemType = (typeof ProblemType)[keyof typeof ProblemType];

export interface FieldError {
  /** JSON-pointer-like dotted path of the invalid field, e.g. `admin.email`. */
  path: string;
  message: string;
}

export interface Problem {
  type: ProblemType;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}
