/**
 * The English texts of Dirigent's e-mails, as i18next resources: `{{name}}` placeholders (values
 * are inserted as typed; the HTML layout escapes them), `_one` / `_other` plurals chosen by
 * `count`, and `_tenant` / `_folder` variants chosen by `context`. A list of strings is a list of
 * paragraphs. `de.ts` has the same keys; `templates.ts` puts the texts together.
 */
export const en = {
  footer: "This message was sent by Dirigent.",
  openDirigent: "Open Dirigent",
  severity: { info: "Info", warn: "Warning", error: "Error", fatal: "Fatal" },
  component: { jobs: "Jobs", robots: "Robots", queues: "Queues", triggers: "Triggers", system: "System" },
  /** What a user subscribed to, as the profile page names it. */
  subscription: {
    jobs: "job alerts",
    robots: "robot alerts",
    queues: "queue alerts",
    triggers: "trigger alerts",
    system: "system alerts",
  },
  testEmail: {
    subject: "Dirigent: test e-mail",
    body: ["This is a test e-mail from Dirigent.", "If you can read this, the SMTP settings work ({{source}})."],
  },
  passwordReset: {
    subject: "Dirigent: reset your password",
    body: [
      "Hello {{name}},",
      "Someone (hopefully you) asked to reset your Dirigent password. The link is valid for 60 minutes and works once.",
      "If you did not ask for this, ignore this e-mail; your password stays as it is.",
    ],
    action: "Reset password",
  },
  passwordChanged: {
    subject: "Dirigent: your password was changed",
    body: [
      "Hello {{name}},",
      "Your Dirigent password was changed on {{changedAt}}.",
      "If this was not you, contact your administrator at once.",
    ],
  },
  invitation: {
    subject: "You are invited to {{orgName}} on Dirigent",
    body: [
      "Hello {{name}},",
      'You have been invited to the organization "{{orgName}}" on Dirigent. Set your password with the link below; it is valid for 7 days.',
      'To sign in: organization "{{orgSlug}}", e-mail {{email}}.',
    ],
    action: "Set your password",
  },
  licenseExpiring: {
    subject_one: "Dirigent: the license of tenant {{tenantName}} expires in {{count}} day",
    subject_other: "Dirigent: the license of tenant {{tenantName}} expires in {{count}} days",
    body: [
      'The license of tenant "{{tenantName}}" of the organization "{{orgName}}" expires on {{expiresAt}}.',
      "After that, this tenant's robots can no longer run jobs. Allocated robot slots: {{robotSlots}}.",
      "Please contact the operator of this installation to renew it.",
    ],
  },
  licenseExpired: {
    subject: "Dirigent: the license of tenant {{tenantName}} has expired",
    body: [
      'The license of tenant "{{tenantName}}" of the organization "{{orgName}}" expired on {{expiresAt}}.',
      "This tenant's robots cannot run jobs until the license is renewed.",
    ],
  },
  announcement: {
    footer: "You receive this message as an administrator of an organization on this Dirigent installation.",
  },
  maintenanceStarted: {
    subject: "Dirigent: maintenance has started",
    subject_tenant: "Dirigent: maintenance of tenant {{tenant}} has started",
    since: "This Dirigent installation has been in maintenance mode ({{phase}}) since {{startedAt}}.",
    since_tenant: 'Tenant "{{tenant}}" has been in maintenance mode ({{phase}}) since {{startedAt}}.',
    phase: { draining: "draining", suspended: "suspended" },
    expectedEnd: "Expected end: {{expectedEndAt}}.",
    during:
      "During maintenance no new jobs start and the web UI is unavailable to users. You will get another message when maintenance has ended.",
  },
  maintenanceEnded: {
    subject: "Dirigent: maintenance has ended",
    subject_tenant: "Dirigent: maintenance of tenant {{tenant}} has ended",
    body: "Maintenance of this Dirigent installation ended on {{endedAt}}. Everything is back to normal.",
    body_tenant: 'Maintenance of tenant "{{tenant}}" ended on {{endedAt}}. Everything is back to normal.',
  },
  alert: {
    subject: "Dirigent alert ({{severity}}): {{message}}",
    where: 'tenant "{{tenantName}}"',
    where_folder: 'tenant "{{tenantName}}", folder "{{folderName}}"',
    action: "Open in Dirigent",
    why: "You get this e-mail because you opted in to e-mails about {{subscription}}. Change your preferences: {{preferences}}",
    unsubscribe: "Unsubscribe from these alerts",
  },
  alertDigest: {
    subject_one: "Dirigent: {{count}} new alert (Error/Fatal) in {{tenantName}}",
    subject_other: "Dirigent: {{count}} new alerts (Error/Fatal) in {{tenantName}}",
    intro_one: '{{count}} new Error or Fatal alert in tenant "{{tenantName}}", {{window}}:',
    intro_other: '{{count}} new Error or Fatal alerts in tenant "{{tenantName}}", {{window}}:',
    action: "View all alerts",
    why: "You get this e-mail because you chose the 10-minute alert digest. Change your preferences: {{preferences}}",
    unsubscribe: "Unsubscribe from alert digests",
  },
  alertSummary: {
    subject_one: "Dirigent: daily summary for {{tenantName}} – {{count}} alert",
    subject_other: "Dirigent: daily summary for {{tenantName}} – {{count}} alerts",
    intro: 'Alerts of tenant "{{tenantName}}" in the last 24 hours, {{period}}:',
    topFaults: "Top faults:",
    noFaults: "No faults in this period.",
    action: "View alerts",
    why: "You get this e-mail because you chose the daily alert summary. Change your preferences: {{preferences}}",
    unsubscribe: "Unsubscribe from the daily summary",
  },
};

/** The shape every language's texts have: the same keys as the English ones. */
export type EmailTexts = typeof en;
