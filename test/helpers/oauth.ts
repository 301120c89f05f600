import http from "node:http";
import type net from "node:net";

/** A request the token endpoint received, as form fields. */
export interface TokenRequest {
  grantType: string | null;
  clientId: string | null;
  clientSecret: string | null;
  scope: string | null;
}

export interface TestTokenEndpoint {
  /** The token URL, e.g. `http://127.0.0.1:1234/token`. */
  url: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

/**
 * A tiny OAuth2 token endpoint on 127.0.0.1 implementing the client-credentials grant: the right
 * client id and secret get `{access_token, token_type, expires_in}`, anything else `401
 * {error: "invalid_client"}` (as Entra ID and Google answer).
 */
export async function startTokenEndpoint(options: {
  clientId: string;
  clientSecret: string;
  accessToken: string;
  expiresIn?: number;
}): Promise<TestTokenEndpoint> {
  const requests: TokenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const request: TokenRequest = {
        grantType: form.get("grant_type"),
        clientId: form.get("client_id"),
        clientSecret: form.get("client_secret"),
        scope: form.get("scope"),
      };
      requests.push(request);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || req.url !== "/token") return json(404, { error: "not_found" });
      if (request.grantType !== "client_credentials") return json(400, { error: "unsupported_grant_type" });
      if (request.clientId !== options.clientId || request.clientSecret !== options.clientSecret) {
        return json(401, { error: "invalid_client", error_description: "Client authentication failed." });
      }
      json(200, { access_token: options.accessToken, token_type: "Bearer", expires_in: options.expiresIn ?? 3600 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
