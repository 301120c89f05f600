/**
 * The environment an automation starts with. Not the agent's own: that holds the machine key
 * (`DIRIGENT_MACHINE_KEY`, a documented way to start the agent) and whatever else the robot
 * host's service manager set, and an automation's output ends up in job logs that every user with
 * `logs.view` reads. Only what a program needs to run, find its tools and speak the locale passes,
 * plus the variables the operator names with `--pass-env` / `DIRIGENT_PASS_ENV`; the job's own
 * `DIRIGENT_*` variables are added by the executor.
 */
const allowed = new Set([
  // Finding programs and files, who and where we are.
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TMPDIR",
  "TEMP",
  "TMP",
  // Locale and time.
  "LANG",
  "LANGUAGE",
  "TZ",
  // Proxies and certificates the host needs to reach anything.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // Windows: without these many programs do not start at all.
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "USERPROFILE",
  "APPDATA",
  "LOCALAPPDATA",
  "PROGRAMDATA",
  "PROGRAMFILES",
  "PROGRAMFILES(X86)",
  "COMMONPROGRAMFILES",
  "NUMBER_OF_PROCESSORS",
  "PROCESSOR_ARCHITECTURE",
  "COMPUTERNAME",
  "USERNAME",
  "USERDOMAIN",
]);

/** Variables the operator may not pass on: they would hand the machine's identity to every job. */
const neverPassed = new Set(["DIRIGENT_MACHINE_KEY", "DIRIGENT_URL"]);

/**
 * The allowed part of `parent` (names compared case-insensitively, as Windows does), plus the
 * names in `passEnv`.
 */
export function automationEnvironment(parent: NodeJS.ProcessEnv, passEnv: readonly string[] = []): NodeJS.ProcessEnv {
  const extra = new Set(passEnv.map((n) => n.trim().toUpperCase()).filter((n) => n && !neverPassed.has(n)));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    if (allowed.has(upper) || upper.startsWith("LC_") || extra.has(upper)) env[name] = value;
  }
  return env;
}

/** `--pass-env A,B` or DIRIGENT_PASS_ENV=A,B as a list of names. */
export function parsePassEnv(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
}
