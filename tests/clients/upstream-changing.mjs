// An upstream MCP server whose one tool changes under the tenant: built
// with the official TypeScript SDK (stateless Streamable HTTP, JSON
// answers), `forecast` gains a `units` argument and new words once
// `POST /_change` is called. `GET /_log` lists the JSON-RPC methods it was
// sent; after `POST /_forget` it answers the next request that is not an
// `initialize` 404, as a server that no longer knows its client does; after
// `POST /_hold` it answers each `tools/call` on an event stream it leaves
// open (the spec lets a server close it whenever it likes).
// Loopback only; prints `ready <endpoint URL>`.
//
//   node upstream-changing.mjs <port>
import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const port = Number(process.argv[2]);
let version = 1;
const methods = [];
let forgetting = false;
let holding = false;

function server() {
  const mcp = new McpServer({ name: "changing-forecasts", version: `${version}.0.0` });
  const shape = version === 1
    ? { city: z.string() }
    : { city: z.string(), units: z.enum(["metric", "imperial"]).optional() };
  mcp.registerTool("forecast", {
    description: version === 1 ? "Forecast for a city" : "Forecast for a city, in the units asked for",
    inputSchema: shape,
  }, async ({ city }) => ({ content: [{ type: "text", text: `forecast for ${city} (v${version})` }] }));
  return mcp;
}

http.createServer(async (req, res) => {
  if (req.url === "/_change" && req.method === "POST") {
    version = 2;
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/_forget" && req.method === "POST") {
    forgetting = true;
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/_hold" && req.method === "POST") {
    holding = true;
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/_log") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(methods));
    return;
  }
  if (req.url !== "/mcp") {
    res.writeHead(404).end("not here");
    return;
  }
  let body = "";
  for await (const chunk of req) body += chunk;
  const method = body ? JSON.parse(body).method : req.method;
  methods.push(method);
  if (forgetting && method !== "initialize") {
    forgetting = false;
    res.writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }));
    return;
  }
  if (holding && method === "tools/call") {
    const { id, params } = JSON.parse(body);
    const text = `held forecast for ${params.arguments.city}`;
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } })}\n\n`);
    return;
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const mcp = server();
  res.on("close", () => { transport.close(); mcp.close(); });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
}).listen(port, "127.0.0.1", () => process.stdout.write(`ready http://127.0.0.1:${port}/mcp\n`));
