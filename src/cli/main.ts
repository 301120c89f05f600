import { parseArgs } from "node:util";
import pino from "pino";
import { robotCommand } from "../agent/cli.js";
import { parsePassEnv } from "../agent/environment.js";
import { ConfigError, parseConfig } from "../platform/config.js";
import { createLogger } from "../platform/logger.js";
import { adminCommand } from "./admin.js";
import { packCommand } from "./pack.js";
import { startServer } from "./serve.js";

const usage = `Usage: dirigent <command> [options]

Commands:
  serve                 Start the HTTP API, the web UI and the background services
  migrate               Bring the database schema up to date and exit
  pack DIR [--out FILE] Build a package (.tgz) from a folder with dirigent.json
  robot                 Run a robot agent: --url URL --key KEY (or DIRIGENT_URL, DIRIGENT_MACHINE_KEY);
                        --pass-env A,B (or DIRIGENT_PASS_ENV) passes these variables on to automations
  admin reset-password  Set a system administrator's password (--username, --password)
  admin rotate-master-key  Re-encrypt stored secrets under DIRIGENT_MASTER_KEY (see docs/email.md)

Options (each also an environment variable, see README):
  --port N              DIRIGENT_PORT (default 8080)
  --host ADDR           DIRIGENT_HOST (default 127.0.0.1)
  --data-dir DIR        DIRIGENT_DATA_DIR (default ./data)
  --database-url URL    DATABASE_URL (PostgreSQL; default SQLite in the data dir)
  -h, --help            Show this help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      username: { type: "string" },
      url: { type: "string" },
      key: { type: "string" },
      out: { type: "string" },
      password: { type: "string" },
      "pass-env": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    process.stdout.write(usage);
    return command || values.help ? 0 : 1;
  }
  if (command === "pack") return packCommand(sub, values.out);
  if (command === "robot")
    return robotCommand(
      values.url ?? process.env.DIRIGENT_URL,
      values.key ?? process.env.DIRIGENT_MACHINE_KEY,
      parsePassEnv(values["pass-env"] ?? process.env.DIRIGENT_PASS_ENV),
    );
  const config = parseConfig(process.env, {
    ...(values.port !== undefined && { DIRIGENT_PORT: values.port }),
    ...(values.host !== undefined && { DIRIGENT_HOST: values.host }),
    ...(values["data-dir"] !== undefined && { DIRIGENT_DATA_DIR: values["data-dir"] }),
    ...(values["database-url"] !== undefined && { DATABASE_URL: values["database-url"] }),
  });

  switch (command) {
    case "serve":
      return serve(config);
    case "migrate":
    case "admin":
      return adminCommand(config, command, sub, { username: values.username, password: values.password });
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${usage}`);
      return 1;
  }
}

async function serve(config: ReturnType<typeof parseConfig>): Promise<number> {
  // The log lines are written asynchronously; the banner goes through the same stream so that it
  // follows every start-up line (written beside it, it could overtake "Server listening").
  const stdout = pino.destination({ dest: 1, sync: false });
  const logger = createLogger(config.logLevel, stdout);
  const server = await startServer(config, { logger });
  const lines = [
    "",
    `  Dirigent is running at ${config.publicUrl === `http://${config.host}:${config.port}` ? server.url : config.publicUrl}`,
    `  Storage: ${server.storage.description}`,
    "  Sign in as system administrator `admin`",
  ];
  if (server.generatedAdminPassword) {
    lines.push(
      `  with the generated password: ${server.generatedAdminPassword}`,
      "  (shown once: at the first sign-in you choose your own password and give an e-mail address)",
    );
  } else {
    lines.push("  with its password (DIRIGENT_ADMIN_PASSWORD, or the one printed at first start).");
  }
  lines.push(`  API documentation: ${server.url}/api/docs`, "");
  stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  return new Promise<number>(() => {});
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`dirigent: ${describeFailure(error)}\n`);
    }
    process.exitCode = 1;
  },
);

/** An error with its chain of causes (a failed start names what failed underneath: "connect ECONNREFUSED …"). */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(depth === 0 ? (current.stack ?? current.message) : `caused by: ${current.stack ?? current.message}`);
      current = current.cause;
    } else {
      parts.push(depth === 0 ? String(current) : `caused by: ${String(current)}`);
      break;
    }
  }
  return parts.join("\n");
}
