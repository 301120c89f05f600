import { z } from "zod";

/**
 * The robot protocol: JSON messages over the WebSocket at /api/v1/robot/connect, used by the
 * server and by the agent (`dirigent robot`). The agent authenticates the upgrade request with
 * `Authorization: Bearer <machine key>`; a refused connection gets a problem+json HTTP answer.
 */
export const robotPath = "/api/v1/robot/connect";
/**
 * The protocol this code speaks. 2 added acknowledgements: `seq` on `logs` and `job-finished`,
 * answered by `ack`. The server still accepts agents of `oldestProtocolVersion` (without `seq`,
 * they get no acks).
 */
export const protocolVersion = 2;
export const oldestProtocolVersion = 1;

export const agentHello = z
  .object({
    type: z.literal("hello"),
    protocolVersion: z.number().int(),
    agentVersion: z.string().max(50),
    hostName: z.string().max(255),
    os: z.string().max(100),
    /** Jobs of an earlier session still running, or ended with their result not yet sent: the server resumes them. */
    runningJobs: z.array(z.string().max(64)).max(1000).default([]),
  })
  .strict();

export const agentHeartbeat = z
  .object({
    type: z.literal("heartbeat"),
    /** Keys of the jobs the agent is running right now. */
    runningJobs: z.array(z.string().max(64)).max(1000),
    /** The agent is shutting down after its running jobs: assign nothing new. */
    draining: z.boolean().default(false),
  })
  .strict();

const level = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);

/**
 * A batch of log lines of one job (the agent buffers while disconnected, up to a bound). The
 * agent keeps it until the server acknowledges its `seq`, and sends it again, unchanged, after
 * a reconnect: the server stores a batch at most once.
 */
export const agentLogs = z
  .object({
    type: z.literal("logs"),
    jobKey: z.string().max(64),
    /** Per job, increasing by one per batch for as long as the agent process runs (protocol 2). */
    seq: z.number().int().positive().optional(),
    entries: z
      .array(z.object({ timestamp: z.iso.datetime(), level, message: z.string().max(32_000) }).strict())
      .max(1000),
  })
  .strict();

/** The automation's process ended. */
export const agentJobFinished = z
  .object({
    type: z.literal("job-finished"),
    jobKey: z.string().max(64),
    exitCode: z.number().int().nullable(),
    /** What the automation wrote to DIRIGENT_OUTPUT_FILE, when it was a JSON object. */
    outputArguments: z.record(z.string(), z.unknown()).nullable(),
    /** The last error lines, or why the agent could not run the job. */
    error: z.string().max(8000).nullable(),
    /** The process ended because a stop or kill was asked for. */
    stopped: z.boolean(),
    /** False when the process was never spawned (stopped while the package was fetched, or it could not start). */
    started: z.boolean().default(true),
    /** The job's next sequence number after its last log batch (protocol 2): acknowledged like a batch. */
    seq: z.number().int().positive().optional(),
  })
  .strict();

export const agentMessage = z.discriminatedUnion("type", [agentHello, agentHeartbeat, agentLogs, agentJobFinished]);
export type AgentMessage = z.infer<typeof agentMessage>;

export const serverWelcome = z.object({
  type: z.literal("welcome"),
  sessionId: z.number().int(),
  machine: z.object({ id: z.number().int(), name: z.string(), slots: z.number().int() }),
  heartbeatSeconds: z.number().int().positive(),
});

/** Sent before the server closes a session on purpose (key regenerated, maintenance, slots). */
export const serverGoodbye = z.object({
  type: z.literal("goodbye"),
  reason: z.string(),
  /** Whether the agent should try to connect again later. */
  reconnect: z.boolean(),
});

/** Run a job: everything the agent needs, including where to fetch the package. */
export const serverAssign = z.object({
  type: z.literal("assign"),
  job: z.object({
    key: z.string(),
    id: z.number().int(),
    processName: z.string(),
    package: z.object({ id: z.number().int(), sha256: z.string(), format: z.enum(["zip", "tgz"]) }),
    command: z.array(z.string()).min(1),
    inputArguments: z.record(z.string(), z.unknown()),
    /** Short-lived token the automation gets as DIRIGENT_JOB_TOKEN. */
    token: z.string(),
    /**
     * What the original product's SDKs read inside a job (docs/compatibility.md): the org slug and
     * tenant name of UIPATH_URL, the folder's and the machine's keys. Absent from older servers.
     */
    compat: z.object({ org: z.string(), tenant: z.string(), folderKey: z.string(), robotKey: z.string() }).optional(),
  }),
});

/** Stop a job gracefully (the automation sees shouldStop()) or kill it (SIGTERM, then SIGKILL after 3 s). */
export const serverStop = z.object({
  type: z.literal("stop"),
  jobKey: z.string(),
  mode: z.enum(["stop", "kill"]),
});

/**
 * Everything of the job up to `seq` (log batches, the job-finished report) is committed: the
 * agent may forget it. Sent again for a batch or report the server had already stored.
 */
export const serverAck = z.object({
  type: z.literal("ack"),
  jobKey: z.string(),
  seq: z.number().int().positive(),
});

/**
 * The server could not store a job's log batch or result (the database is briefly away). Nothing
 * of the job from `seq` on was stored: the agent keeps it and sends the job's unacknowledged
 * messages again, in order, after `retryAfterSeconds`. Until then the server refuses the job's
 * later messages the same way, so a batch is never stored after one that was lost.
 */
export const serverRetry = z.object({
  type: z.literal("retry"),
  jobKey: z.string(),
  seq: z.number().int().positive().optional(),
  reason: z.string(),
  retryAfterSeconds: z.number().int().positive(),
});

export const serverMessage = z.discriminatedUnion("type", [
  serverWelcome,
  serverGoodbye,
  serverAssign,
  serverStop,
  serverAck,
  serverRetry,
]);
export type ServerMessage = z.infer<typeof serverMessage>;

/** WebSocket close codes the server uses (4000–4999 is the application range). */
export const CloseCode = {
  protocolError: 4400,
  keyRevoked: 4401,
  replaced: 4409,
  maintenance: 4503,
  /** The server could not take the session now (its database is away): reconnect later. */
  unavailable: 4500,
} as const;
