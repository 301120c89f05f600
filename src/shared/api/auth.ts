import { z } from "zod";
import { locales, OrgRole } from "../identity.js";
import { MaintenancePhase } from "../maintenance.js";
import { text } from "./fields.js";

/** The API's shapes of signing in: credentials, the session, the login page's status, security settings. */

/** Longest password accepted: argon2 handles more, but unbounded input is a denial-of-service lever. */
export const maxPasswordLength = 256;
export const password = z.string().min(1, "must not be empty").max(maxPasswordLength);

const locale = z.enum(locales);

export const adminCredentialsSchema = z.object({ username: text(100), password }).strict();
export const userCredentialsSchema = z.object({ organization: text(100), email: text(254), password }).strict();
/** A system administrator signs in with a user name, an organization user with the organization's slug and an e-mail. */
export const credentialsSchema = z.union([adminCredentialsSchema, userCredentialsSchema]);
export type LoginRequest = z.input<typeof credentialsSchema>;

export const principalSchema = z.union([
  z.object({
    kind: z.literal("admin"),
    id: z.number(),
    username: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    locale,
    setupRequired: z
      .literal(true)
      .optional()
      .describe("The generated first password is still in use: POST /me/setup before anything else"),
  }),
  z.object({
    kind: z.literal("user"),
    id: z.number(),
    email: z.string(),
    name: z.string(),
    role: z.enum([OrgRole.orgAdmin, OrgRole.user]),
    locale,
    organization: z.object({ id: z.number(), slug: z.string(), name: z.string() }),
  }),
]);

/**
 * `GET /auth/session`: who is signed in, and the token that must accompany every change made with
 * the session cookie (null for a bearer token, which needs none).
 */
export const sessionSchema = z.object({ principal: principalSchema, csrfToken: z.string().nullable() });
export type SessionResponse = z.infer<typeof sessionSchema>;
/** `POST /auth/login`: a new session, always with its CSRF token. */
export const loginSessionSchema = sessionSchema.extend({ csrfToken: z.string() });

export const passwordRecoverySchema = z.object({ emailDelivery: z.enum(["available", "unavailable"]) });
export type PasswordRecoveryResponse = z.infer<typeof passwordRecoverySchema>;

export const invitationInfoSchema = z.object({
  email: z.string(),
  name: z.string(),
  organization: z.object({ name: z.string(), slug: z.string() }),
  expiresAt: z.string(),
});
export type InvitationInfo = z.infer<typeof invitationInfoSchema>;

/** Host-wide rules for passwords and login lock-out (host portal → Security settings). */
export const securitySettingsSchema = z
  .object({
    passwordMinLength: z.number().int().min(8).max(128),
    passwordRequireUppercase: z.boolean(),
    passwordRequireLowercase: z.boolean(),
    passwordRequireDigit: z.boolean(),
    passwordRequireSymbol: z.boolean(),
    /** Failed logins in a row after which an account is locked. */
    lockoutThreshold: z.number().int().min(1).max(100),
    /** How long a locked account stays locked. */
    lockoutMinutes: z.number().int().min(1).max(1440),
  })
  .strict();
export type SecuritySettings = z.infer<typeof securitySettingsSchema>;

/** `GET /status`: what the login page needs before anyone is signed in. */
export const publicStatusSchema = z.object({
  maintenance: z.object({
    phase: z.enum([MaintenancePhase.none, MaintenancePhase.draining, MaintenancePhase.suspended]),
  }),
  hasOrganizations: z
    .boolean()
    .describe("False on a fresh installation: only the system administrator can sign in yet"),
  passwordPolicy: z
    .object({
      minLength: z.number(),
      requireUppercase: z.boolean(),
      requireLowercase: z.boolean(),
      requireDigit: z.boolean(),
      requireSymbol: z.boolean(),
    })
    .describe("The rules a new password must meet, shown next to every new-password field before it is sent"),
});
export type PublicStatus = z.infer<typeof publicStatusSchema>;
