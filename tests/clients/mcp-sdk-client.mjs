// Drives the official MCP TypeScript SDK client (Streamable HTTP) against
// one URL and prints what it saw as JSON, for the Rust e2e tests to assert.
//
//   node mcp-sdk-client.mjs <mcp-url> '<plan>'
//   plan: [{"op": "listTools"}, {"op": "callTool", "name": "x", "arguments": {...}}]
import "./localhost-resolver.mjs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, planText] = process.argv.slice(2);
const plan = JSON.parse(planText ?? "[]");
const client = new Client({ name: "portcullis-e2e", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(url));
const out = { results: [] };
try {
  await client.connect(transport);
  out.serverVersion = client.getServerVersion();
  out.protocolVersion = transport.protocolVersion ?? null;
  for (const step of plan) {
    try {
      if (step.op === "listTools") out.results.push({ ok: true, value: await client.listTools() });
      else if (step.op === "callTool")
        out.results.push({ ok: true, value: await client.callTool({ name: step.name, arguments: step.arguments }) });
      else if (step.op === "ping") out.results.push({ ok: true, value: await client.ping() });
      else throw new Error(`unknown op ${step.op}`);
    } catch (e) {
      out.results.push({ ok: false, error: { code: e.code ?? null, message: String(e.message ?? e) } });
    }
  }
} catch (e) {
  out.connectError = { code: e.code ?? null, message: String(e.message ?? e) };
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
