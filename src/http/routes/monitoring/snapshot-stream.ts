import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** A live dashboard re-reads its numbers at least this often (changes on other nodes, the sampler). */
export const streamRoundMs = 5000;
/** Streams end after this long; EventSource reconnects, and permissions are then computed afresh. */
const streamLifetimeMs = 15 * 60_000;

/**
 * The server-sent-event streams open on a plugin's routes, each as the function that ends it:
 * they end when the server stops (preClose), since an open connection would keep it from
 * closing until the stream's lifetime ran out.
 */
export function endStreamsOnClose(app: FastifyInstance): Set<() => void> {
  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });
  return open;
}

/**
 * Serves a dashboard as server-sent events: a `snapshot` event with the whole dashboard at once,
 * then again whenever it changed — woken by `subscribe` (changes on this node) or every few
 * seconds — with a keep-alive comment in between. The client never polls.
 */
export async function streamSnapshots(
  request: FastifyRequest,
  reply: FastifyReply,
  compute: () => Promise<{ generatedAt: string }>,
  subscribe: (wake: () => void) => () => void,
  /** Where the stream registers itself to be ended when the server stops (endStreamsOnClose). */
  open?: Set<() => void>,
): Promise<void> {
  // The first snapshot before the stream opens, so an error is still an ordinary problem answer.
  let snapshot = await compute();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let closed = false;
  let wake: (() => void) | null = null;
  const unsubscribe = subscribe(() => wake?.());
  const stop = () => {
    closed = true;
    wake?.();
  };
  request.raw.on("close", stop);
  open?.add(stop);
  const ends = Date.now() + streamLifetimeMs;
  let last = "";
  try {
    while (!closed && Date.now() < ends) {
      // Sent only when something besides the time of reading changed.
      const { generatedAt: _, ...numbers } = snapshot;
      const key = JSON.stringify(numbers);
      if (key !== last) {
        res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
        last = key;
      } else {
        res.write(": keep-alive\n\n");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, streamRoundMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        wake = done;
      });
      wake = null;
      if (closed) break;
      snapshot = await compute();
    }
  } catch (error) {
    request.log.warn({ err: error }, "monitoring stream ended by an error");
  } finally {
    open?.delete(stop);
    unsubscribe();
    res.end();
  }
}
