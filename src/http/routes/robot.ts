import "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { AuthenticationError } from "../../domain/errors.js";
import { showNulDeep } from "../../domain/text.js";
import type { Config } from "../../platform/config.js";
import type { Services } from "../../services/index.js";
import type { AuthenticatedMachine } from "../../services/robots/machine-service.js";
import { RobotProtocolError } from "../../services/robots/robot-session-service.js";
import { agentMessage, CloseCode, type ServerMessage } from "../../shared/protocol.js";

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
export async function registerRobotEndpoint(app: FastifyInstance, services: Services, _config: Config): Promise<void> {
  app.get(
    "/api/v1/robot/packages/:id",
    {
      schema: { tags: ["robots"], summary: "Package archive for a robot (Authorization: Bearer <machine key>)" },
      preValidation: async (request: FastifyRequest) => {
        const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
        if (!match?.[1])
          throw new AuthenticationError(undefined, "Send the machine key as `Authorization: Bearer <key>`.");
        request.robotMachine = await services.machines.authenticate(match[1], { checkSlots: false });
      },
    },
    async (request, reply) => {
      const id = Number((request.params as { id: string }).id);
      if (!Number.isInteger(id) || !request.robotMachine) throw new AuthenticationError();
      const { row, size, body } = await services.packages.content(request.robotMachine.machine.tenant_id, id);
      return reply
        .type("application/octet-stream")
        .header("X-Package-Sha256", row.sha256)
        .header("Content-Length", size)
        .send(body);
    },
  );

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
      const log = request.log.child({ machineId: bound.machine.id, tenantId: bound.machine.tenant_id });
      const send = (message: ServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      // Why this server closed the session: the agent may drop the connection on the goodbye
      // before the close handshake completes (the close event then only says 1006).
      let closedBecause: string | null = null;
      const closeWith = (code: number, reason: string) => {
        closedBecause ??= reason.slice(0, 120);
        socket.close(code, reason.slice(0, 120));
      };
      const fail = (reason: string) => {
        send({ type: "goodbye", reason, reconnect: false });
        closeWith(CloseCode.protocolError, reason);
      };
      const conversation = services.robotSessions.connect(bound, { send, close: closeWith }, log);
      // Messages are handled one at a time, in order, and the close after them: a hello still
      // being recorded must not let a second hello or a heartbeat overtake it.
      let queue: Promise<void> = Promise.resolve();

      socket.on("message", (data, isBinary) => {
        const previous = queue;
        queue = (async () => {
          await previous;
          if (isBinary || (data as Buffer).length > maxPayload) return fail("Messages must be JSON text.");
          let parsed: ReturnType<typeof agentMessage.safeParse>;
          try {
            const text = String(data);
            // JSON carries a NUL only as the escape \u0000: without one in the text, nothing needs
            // showing, and the copy of a 1,000-line log batch is saved.
            const json: unknown = JSON.parse(text);
            parsed = agentMessage.safeParse(text.includes("\\u0000") ? showNulDeep(json) : json);
          } catch {
            return fail("A message was not valid JSON.");
          }
          if (!parsed.success) return fail(`A message was invalid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
          await conversation.handle(parsed.data);
        })().catch((error: unknown) => {
          if (error instanceof RobotProtocolError) return fail(error.message);
          // A fault on our side never tells the agent to give up: it reconnects and sends again.
          log.error({ err: error }, "robot message failed");
          send({ type: "goodbye", reason: "The server could not handle a message.", reconnect: true });
          closeWith(CloseCode.unavailable, "The server could not handle a message.");
        });
      });

      socket.on("close", (code, reason) => {
        const previous = queue;
        queue = (async () => {
          await previous;
          await conversation.closed(code, closedBecause ?? (reason.toString() || `connection closed (${code})`));
        })();
      });
    },
  );
}
