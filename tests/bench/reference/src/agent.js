// A sessionful MCP server as `agents` builds one: `McpAgent`, one Durable
// Object per session, with an MCP TypeScript SDK v1 server.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpAgent } from "agents/mcp";
import { registerEcho } from "./tool.js";

export class BenchAgent extends McpAgent {
  server = new McpServer({ name: "reference", version: "1.0.0" });
  async init() {
    registerEcho(this.server);
  }
}

export default BenchAgent.serve("/mcp", { binding: "MCP_OBJECT" });
