import { Agent, agentVersion } from "./agent.js";
import { automationEnvironment } from "./environment.js";

export const robotUsage =
  "Usage: dirigent robot --url <server base URL> --key <machine key>\n       (or DIRIGENT_URL and DIRIGENT_MACHINE_KEY)\n";

/**
 * `dirigent robot`: runs the agent until Ctrl-C (or a permanent refusal). Shared by the full CLI
 * and the standalone agent bundle (`/downloads/dirigent-agent.tgz`), so both behave alike.
 */
export async function robotCommand(
  url: string | undefined,
  key: string | undefined,
  passEnv: string[],
): Promise<number> {
  if (!url || !key) {
    process.stderr.write(robotUsage);
    return 1;
  }
  const report = (line: string) => process.stdout.write(`${new Date().toISOString()}  ${line}\n`);
  const agent = new Agent({ url, key, report, environment: automationEnvironment(process.env, passEnv) });
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    // First Ctrl-C: finish gracefully (running jobs finish); second: stop at once.
    if (interrupts === 1) void agent.drain();
    else agent.abort();
  });
  process.on("SIGTERM", () => void agent.drain());
  report(`Dirigent robot agent ${agentVersion} connecting to ${url}`);
  agent.start();
  const result = await agent.done;
  return result.ok ? 0 : 2;
}
