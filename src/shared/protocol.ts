import { z } from "zod";

/**
 * The robot protocol: JSON messages over the WebSocket at /api/v1/robot/connect, used by the
 * server and by the agent (`dirigent robot`). The agent authenticates the upgrade request with
 * `Authorization: Bearer <machine key>`; a refused connection gets a problem+json HTTP answer.
 */
export const robotPath = "/api/v1/robot/connect";
export const protocolVersion = 1;

export const agentHello = z
  .object({
    type: z.literal("hello"),
    protocolVersion: z.number().int(),
    agentVersion: z.string().max(50),
    hostName: z.string().max(255),
    os: z.string().max(100),
  })
  .strict();

export const agentHeartbeat = z
  .object({
    type: z.literal("heartbeat"),
    /** Keys of the jobs the agent is running right now. */
    runningJobs: z.array(z.string().max(64)).max(1000),
  })
  .strict();

export const agentMessage = z.discriminatedUnion("type", [agentHello, agentHeartbeat]);
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

export const serverMessage = z.discriminatedUnion("type", [serverWelcome, serverGoodbye]);
export type ServerMessage = z.infer<typeof serverMessage>;

/** WebSocket close codes the server uses (4000–4999 is the application range). */
export const CloseCode = {
  protocolError: 4400,
  keyRevoked: 4401,
  replaced: 4409,
  maintenance: 4503,
} as const;
