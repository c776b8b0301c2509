// Connects with the official SDK v1 client (Streamable HTTP), lists tools,
// prints {"ready": true} once its GET notification stream is open, waits
// for notifications/tools/list_changed, lists again and prints the result.
//
//   node list-changed-client.mjs <mcp-url> <timeout-ms>
import "./localhost-resolver.mjs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, timeoutMs = "20000"] = process.argv.slice(2);
const client = new Client({ name: "portcullis-e2e", version: "1.0.0" });
const changed = new Promise((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
const transport = new StreamableHTTPClientTransport(new URL(url));
const out = {};
try {
  await client.connect(transport);
  out.before = (await client.listTools()).tools.map((t) => t.name);
  out.capabilities = client.getServerCapabilities();
  // The SDK opens its GET stream right after initialization; give it a moment.
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write(JSON.stringify({ ready: true }) + "\n");
  const timeout = new Promise((resolve) => setTimeout(() => resolve(false), Number(timeoutMs)));
  out.notified = await Promise.race([changed, timeout]);
  out.after = (await client.listTools()).tools.map((t) => t.name);
} catch (e) {
  out.error = String(e?.message ?? e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
