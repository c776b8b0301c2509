// Drives an official MCP TypeScript SDK client (Streamable HTTP) against
// one URL and prints what it saw as JSON, for the Rust e2e tests to assert.
//
//   node mcp-sdk-client.mjs <mcp-url> '<plan>' [v1|v2|v1-sse] [access-token]
//   plan: [{"op": "listTools"}, {"op": "callTool", "name": "x", "arguments": {...}}]
//
// v1 is `@modelcontextprotocol/sdk` (initialize handshake, 2025-11-25);
// v2 is `@modelcontextprotocol/client`, negotiating with `server/discover`
// and speaking stateless 2026-07-28 when the server offers it; v1-sse is
// v1's client for the deprecated HTTP+SSE transport (2024-11-05, `/sse`).
import "./localhost-resolver.mjs";

const [url, planText, sdk = "v1", token] = process.argv.slice(2);
const plan = JSON.parse(planText ?? "[]");
// A signed-in user's token, sent as it is (no OAuth flow of its own).
const options = token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {};
const info = { name: "portcullis-e2e", version: "1.0.0" };
let client, transport;
if (sdk === "v2") {
  const v2 = await import("@modelcontextprotocol/client");
  client = new v2.Client(info, { versionNegotiation: { mode: "auto" } });
  transport = new v2.StreamableHTTPClientTransport(new URL(url), options);
} else if (sdk === "v1-sse") {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { SSEClientTransport } = await import("@modelcontextprotocol/sdk/client/sse.js");
  client = new Client(info);
  transport = new SSEClientTransport(new URL(url));
} else {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  client = new Client(info);
  transport = new StreamableHTTPClientTransport(new URL(url), options);
}
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
