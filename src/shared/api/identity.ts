import { z } from "zod";
import { AccountStatus, locales, OrgRole } from "../identity.js";
import { text } from "./fields.js";

/** The API's shapes of accounts: system administrators, organizations and tenants, organization users, tokens. */

const accountStatus = z.enum([AccountStatus.active, AccountStatus.disabled]);
const locale = z.enum(locales);
const orgRole = z.enum([OrgRole.orgAdmin, OrgRole.user]);

export const administratorSchema = z.object({
  id: z.number(),
  username: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  status: accountStatus,
  locale,
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});

export const organizationSchema = z.object({
  id: z.number(),
  name: z.string(),
  slug: z.string(),
  status: accountStatus,
  tenantCount: z.number(),
  userCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const tenantSchema = z.object({
  id: z.number(),
  orgId: z.number(),
  name: z.string(),
  status: accountStatus,
  logRetentionDays: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const orgUserSchema = z.object({
  id: z.number(),
  email: z.string(),
  name: z.string(),
  role: orgRole,
  status: accountStatus,
  locale,
  hasPassword: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  lockedUntil: z.string().nullable().describe("Set while the account is locked after failed sign-ins"),
});

/** A personal access token as listed (the token itself only in the answer that creates it). */
export const personalTokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export type Administrator = z.infer<typeof administratorSchema>;
export type Organization = z.infer<typeof organizationSchema>;
export type Tenant = z.infer<typeof tenantSchema>;
export type OrgUser = z.infer<typeof orgUserSchema>;
export type AccessToken = z.infer<typeof personalTokenSchema>;
export type CreatedAccessToken = AccessToken & { token: string };

const tenantName = text(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, "may contain letters, digits, spaces and . _ - only")
  // Paths accept a tenant's id or name; an all-digit name would read as an id.
  .regex(/\D/, "must contain a letter or symbol, not only digits");
/** `POST …/tenants`. */
export const tenantBody = z.object({ name: tenantName }).strict();
/** `PATCH …/tenants/{tenant}`. */
export const tenantChanges = z
  .object({
    name: tenantName.optional(),
    status: accountStatus.optional(),
    /** Days job logs are kept (1–3650). */
    logRetentionDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type TenantCreateBody = z.input<typeof tenantBody>;
export type TenantUpdateBody = z.input<typeof tenantChanges>;
