// The official TypeScript SDK's OAuth client as an app uses it: an
// `OAuthClientProvider` that registers itself dynamically, a loopback
// listener as its redirect URI (as native apps do), and connecting with it.
//
//   const app = await oauthApp(mcpUrl, "Portcullis e2e client");
//   await app.connect()  // throws UnauthorizedError, sets app.provider.authorizationUrl
//   ... the user signs in and allows; then
//   await app.finish(await app.codeArrived)
import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const info = { name: "portcullis-e2e", version: "1.0.0" };

class Provider {
  constructor(redirectUrl, clientName) {
    this.saved = {};
    this.redirect = redirectUrl;
    this.clientName = clientName;
  }
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return {
      client_name: this.clientName,
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.saved.client;
  }
  saveClientInformation(info) {
    this.saved.client = info;
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
}

/// `sdk`: "v1" (`@modelcontextprotocol/sdk`, initialize) or "v2"
/// (`@modelcontextprotocol/client`, negotiating 2026-07-28).
export async function oauthApp(mcpUrl, clientName, sdk = "v1") {
  const v2 = sdk === "v2" ? await import("@modelcontextprotocol/client") : null;
  const newClient = () => (v2 ? new v2.Client(info, { versionNegotiation: { mode: "auto" } }) : new Client(info));
  const newTransport = () =>
    v2
      ? new v2.StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider })
      : new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  let deliverCode;
  const codeArrived = new Promise((resolve) => (deliverCode = resolve));
  const callbackServer = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    res.end("You can close this window.");
    deliverCode(Object.fromEntries(url.searchParams));
  });
  await new Promise((r) => callbackServer.listen(0, "127.0.0.1", r));
  const redirectUrl = `http://127.0.0.1:${callbackServer.address().port}/callback`;
  const provider = new Provider(redirectUrl, clientName);
  return {
    provider,
    codeArrived,
    /// An MCP client connected with the provider's tokens.
    async connect() {
      const client = newClient();
      const transport = newTransport();
      await client.connect(transport);
      client.transportUsed = transport;
      return client;
    },
    /// Exchanges the code on a fresh transport, as an app does after its
    /// callback (2.x checks the callback's `iss` too, RFC 9207).
    async finish(params) {
      const transport = newTransport();
      await transport.finishAuth(v2 ? new URLSearchParams(params) : params.code);
    },
    close() {
      callbackServer.close();
    },
  };
}

/// A raw `tools/list` with `accessToken`: the status the edge answers.
export async function listWithToken(mcpUrl, accessToken) {
  const r = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${accessToken}`,
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  return { status: r.status, wwwAuthenticate: r.headers.get("www-authenticate") };
}
