// A stateless MCP server the way Cloudflare documents it: `createMcpHandler`
// from `agents` with an MCP TypeScript SDK v2 server per request.
import { McpServer } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import { registerEcho } from "./tool.js";

export function newServer() {
  const server = new McpServer({ name: "reference", version: "1.0.0" });
  registerEcho(server);
  return server;
}

export default { fetch: createMcpHandler(newServer) };
