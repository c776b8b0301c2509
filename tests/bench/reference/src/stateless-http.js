// The stateless reference with a tool that calls a backend, as a tenant
// would write it by hand: `createMcpHandler`, and a `fetch` to the URL in
// the Worker's `BACKEND` binding (the bench's loopback backend).
import { McpServer } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import * as z from "zod";

function newServer(env) {
  const server = new McpServer({ name: "reference", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Weather from the backend", inputSchema: z.object({ city: z.string().min(2) }) },
    async ({ city }) => {
      const answer = await fetch(`${env.BACKEND}/weather/${encodeURIComponent(city)}`);
      return { content: [{ type: "text", text: await answer.text() }], isError: !answer.ok };
    },
  );
  return server;
}

export default {
  fetch: (request, env, ctx) => createMcpHandler(() => newServer(env))(request, env, ctx),
};
