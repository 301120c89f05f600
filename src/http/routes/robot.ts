import "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { AuthenticationError } from "../../domain/errors.js";
import type { Config } from "../../platform/config.js";
import type { Services } from "../../services/index.js";
import type { AuthenticatedMachine } from "../../services/robots/machine-service.js";
import { MaintenancePhase } from "../../shared/maintenance.js";
import { agentMessage, CloseCode, protocolVersion, type ServerMessage } from "../../shared/protocol.js";

declare module "fastify" {
  interface FastifyRequest {
    robotMachine?: AuthenticatedMachine;
  }
}

/** Largest message a robot may send (log batches come later; they are chunked by the agent). */
const maxPayload = 1024 * 1024;

/**
 * The robot endpoint: `GET /api/v1/robot/connect` upgraded to a WebSocket. The machine key is
 * checked before the upgrade, so a refused robot gets a problem+json answer it can print; after
 * the upgrade the agent says hello, gets a welcome with its session id, and heartbeats.
 */
export async function registerRobotEndpoint(app: FastifyInstance, services: Services, config: Config): Promise<void> {
  app.get(
    "/api/v1/robot/connect",
    {
      websocket: true,
      schema: {
        tags: ["robots"],
        summary: "Robot agent connection (WebSocket; Authorization: Bearer <machine key>)",
        hide: false,
      },
      preValidation: async (request: FastifyRequest) => {
        const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
        if (!match?.[1])
          throw new AuthenticationError(undefined, "Send the machine key as `Authorization: Bearer <key>`.");
        request.robotMachine = await services.machines.authenticate(match[1]);
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const bound = request.robotMachine;
      if (!bound) return socket.close(CloseCode.protocolError, "not authenticated");
      const { machine } = bound;
      const log = request.log.child({ machineId: machine.id, tenantId: machine.tenant_id });
      let sessionId: number | null = null;
      const send = (message: ServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const fail = (reason: string) => {
        send({ type: "goodbye", reason, reconnect: false });
        socket.close(CloseCode.protocolError, reason.slice(0, 120));
      };

      socket.on("message", (data, isBinary) => {
        void (async () => {
          if (isBinary || (data as Buffer).length > maxPayload) return fail("Messages must be JSON text.");
          let parsed: ReturnType<typeof agentMessage.safeParse>;
          try {
            parsed = agentMessage.safeParse(JSON.parse(String(data)));
          } catch {
            return fail("A message was not valid JSON.");
          }
          if (!parsed.success) return fail(`A message was invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
          const message = parsed.data;
          if (message.type === "hello") {
            if (sessionId !== null) return fail("hello was sent twice.");
            if (message.protocolVersion !== protocolVersion)
              return fail(`This server speaks protocol ${protocolVersion}; update the agent.`);
            sessionId = await services.machines.openSession(machine, services.robotHub.nodeId, message);
            const id = sessionId;
            services.robotHub.add({
              sessionId: id,
              machineId: machine.id,
              send,
              close: (code, reason) => socket.close(code, reason.slice(0, 120)),
            });
            log.info({ sessionId: id, hostName: message.hostName }, "robot connected");
            send({
              type: "welcome",
              sessionId: id,
              machine: { id: machine.id, name: machine.name, slots: machine.slots },
              heartbeatSeconds: config.robotHeartbeatSeconds,
            });
            return;
          }
          if (sessionId === null) return fail("Say hello first.");
          await services.machines.heartbeat(sessionId, message.runningJobs.length >= machine.slots);
          if ((await services.maintenance.phaseFor(machine.tenant_id)) === MaintenancePhase.suspended) {
            send({ type: "goodbye", reason: "The tenant is suspended for maintenance.", reconnect: true });
            socket.close(CloseCode.maintenance, "maintenance");
          }
        })().catch((error: unknown) => {
          log.error({ err: error }, "robot message failed");
          fail("The server could not handle a message.");
        });
      });

      socket.on("close", (code, reason) => {
        if (sessionId === null) return;
        services.robotHub.remove(sessionId);
        const why = reason.toString() || `connection closed (${code})`;
        void services.machines
          .closeSession(sessionId, why)
          .catch((error: unknown) => log.error({ err: error }, "closing a robot session failed"));
        log.info({ sessionId, code }, "robot disconnected");
      });
    },
  );
}
