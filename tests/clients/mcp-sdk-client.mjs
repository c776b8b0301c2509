// Drives the official MCP TypeScript SDK client (Streamable HTTP) against
// one URL and prints what it saw as JSON, for the Rust e2e tests to assert.
//
//   node mcp-sdk-client.mjs <mcp-url> '<plan>'
//   plan: [{"op": "listTools"}, {"op": "callTool", "name": "x", "arguments": {...}}]
//
// `*.localhost` resolves to loopback (RFC 6761), as browsers and curl do;
// Node's resolver does not do that by itself, so we teach it here.
import dns from "node:dns";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const systemLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (typeof options === "number") options = { family: options };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return options?.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
  }
  return systemLookup(host, options, callback);
};

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
