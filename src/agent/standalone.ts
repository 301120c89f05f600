// Entry point of the standalone agent bundle served at /downloads/dirigent-agent.tgz: only the
// `robot` command, with its dependencies (ws, tar, yauzl, zod) bundled in, so a robot host needs
// Node and npm's cache but no checkout and no registry.
import { parseArgs } from "node:util";
import { robotCommand, robotUsage } from "./cli.js";
import { parsePassEnv } from "./environment.js";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      "pass-env": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals[0] !== "robot") {
    process.stdout.write(robotUsage);
    return values.help ? 0 : 1;
  }
  return robotCommand(
    values.url ?? process.env.DIRIGENT_URL,
    values.key ?? process.env.DIRIGENT_MACHINE_KEY,
    parsePassEnv(values["pass-env"] ?? process.env.DIRIGENT_PASS_ENV),
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dirigent robot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
