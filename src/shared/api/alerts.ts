import { z } from "zod";
import { type AlertPreference, alertComponents, alertSeverities, digestSeverities } from "../alerts.js";

/** The API's shapes of alerts and alert preferences. */

const severity = z.enum(alertSeverities);

export const alertSchema = z.object({
  id: z.number(),
  folderId: z.number().nullable(),
  severity,
  component: z.enum(alertComponents),
  kind: z.string(),
  message: z.string(),
  details: z
    .record(z.string(), z.union([z.string(), z.number(), z.null()]))
    .nullable()
    .describe("The values of the message, to tell it in another language (per kind)"),
  link: z.string().nullable(),
  createdAt: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

/** An alert as the alerts page lists it, with the caller's read mark. */
export const listedAlertSchema = alertSchema.extend({
  read: z.boolean().describe("Whether the caller marked it read (always false for callers that are not users)"),
});
export type ListedAlert = z.infer<typeof listedAlertSchema>;

export const alertPreferenceSchema = z
  .object({
    component: z.enum(alertComponents),
    inApp: severity.nullable().describe("Minimum severity shown in the bell and on the alerts page, null = none"),
    email: severity.nullable().describe("Minimum severity mailed at once, one mail per alert, null = none"),
    digest: z
      .enum(digestSeverities)
      .nullable()
      .describe("Error and Fatal alerts batched in one mail every 10 minutes (minimum error or fatal), null = none"),
    summary: severity
      .nullable()
      .describe("Counted in the daily summary at 07:00 tenant time (minimum severity), null = not included"),
  })
  .strict();
// The schema and the domain's AlertPreference (src/shared/alerts.ts) are one shape: this fails to compile when they part.
const samePreference: z.infer<typeof alertPreferenceSchema> extends AlertPreference ? true : false = true;
void samePreference;

export const alertPreferencesSchema = z.object({
  source: z.enum(["own", "defaults"]).describe("own = the user saved them; defaults = the tenant's defaults apply"),
  items: z.array(alertPreferenceSchema),
});
export type AlertPreferences = z.infer<typeof alertPreferencesSchema>;

/** `GET|PUT /me/alert-emails`: the components a user gets alert e-mails about, each from a severity up. */
export const alertEmailsSchema = z.object({
  subscriptions: z
    .array(z.object({ component: z.enum(alertComponents), minSeverity: z.enum(alertSeverities) }).strict())
    .max(alertComponents.length)
    .superRefine((items, ctx) => {
      items.forEach((item, index) => {
        if (items.findIndex((other) => other.component === item.component) !== index)
          ctx.addIssue({ code: "custom", path: [index, "component"], message: "Each component may appear once." });
      });
    }),
});
export type AlertEmails = z.infer<typeof alertEmailsSchema>;
