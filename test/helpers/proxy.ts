import net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a server that can hold back requests: a connection whose
 * first request line matches `hold` is not forwarded until `release()` (or is dropped by its
 * client meanwhile). Everything else — the robot WebSocket, API calls — passes at once. It lets
 * a test make a real download take as long as it needs, without touching the server or agent.
 */
export interface HoldingProxy {
  url: string;
  /** Connections held right now. */
  readonly held: number;
  /** Resolves once `count` connections have been held in all (counting released ones). */
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  /** Forwards the held connections and stops holding new ones. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetUrl: string, hold: RegExp): Promise<HoldingProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const waiting = new Set<() => void>();
  let holding = true;
  let heldEver = 0;
  const listeners = new Set<() => void>();

  const forward = (client: net.Socket, first: Buffer) => {
    if (client.destroyed) return;
    const upstream = net.connect(Number(target.port), target.hostname, () => {
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    client.once("data", (first) => {
      client.pause();
      const requestLine = first.toString("latin1").split("\r\n", 1)[0] ?? "";
      if (holding && hold.test(requestLine)) {
        heldEver += 1;
        const go = () => forward(client, first);
        waiting.add(go);
        client.on("close", () => waiting.delete(go));
        for (const l of [...listeners]) l();
      } else {
        forward(client, first);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return waiting.size;
    },
    waitForHeld(count = 1, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (heldEver < count) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`the proxy held ${heldEver} of ${count} requests in ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    release() {
      holding = false;
      for (const go of [...waiting]) go();
      waiting.clear();
    },
    async close() {
      holding = false;
      waiting.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy in front of any server (here: PostgreSQL) that can stall: while stalled it accepts
 * connections and bytes but forwards nothing either way, as a network partition does. `resume()`
 * ends the stall and resets every connection that lived through it (their streams lost bytes).
 */
export interface StallingProxy {
  host: string;
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(targetHost: string, targetPort: number): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.on("data", (chunk) => {
      if (!stalled) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!stalled) client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
