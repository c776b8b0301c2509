// The same stateless MCP server behind Cloudflare's OAuth provider. Its
// default handler approves every authorization at once, so the bench can
// get tokens without a person; the token checks on `/mcp` are the real ones.
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { newServer } from "./stateless.js";

const approveAll = {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== "/authorize") return new Response("not found", { status: 404 });
    const authRequest = await env.OAUTH_PROVIDER.parseAuthRequest(request);
    const { redirectTo } = await env.OAUTH_PROVIDER.completeAuthorization({
      request: authRequest,
      // A user per authorization: the library revokes a user's earlier
      // grants to the same client, and each connection needs its own.
      userId: `bench-${authRequest.state}`,
      metadata: {},
      scope: authRequest.scope,
      props: { user: "bench" },
    });
    return Response.redirect(redirectTo, 302);
  },
};

export default new OAuthProvider({
  apiRoute: "/mcp",
  apiHandler: { fetch: createMcpHandler(newServer) },
  defaultHandler: approveAll,
  authorizeEndpoint: "/authorize",
  tokenEndpoint: "/token",
  clientRegistrationEndpoint: "/register",
  // The library serves a resource only on its canonical origin, over http
  // only on a loopback host: so the bench reaches this Worker as Host
  // 127.0.0.2 (tests/bench/edge-load.mjs).
  resourceMetadata: { resource: "http://127.0.0.2/mcp" },
});
