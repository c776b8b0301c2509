// Loads the built edge Worker straight into workerd through Miniflare (no
// `wrangler dev` proxy in between, which costs ~8x), pushes the given signed
// configs, and drives concurrent MCP requests at it, reporting throughput,
// latency and workerd's CPU time per request as JSON.
//
//   node edge-load.mjs <setup.json>
// setup.json (written by the Rust bench, tests/benches/edge.rs):
//   {"vars": {...}, "pushes": [{"tenant", "envelope"}], "scenarios": [
//     {"name", "host", "headers", "body" (null: GET /healthz), "initialize"?: true}],
//    "seconds", "concurrency"}
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

const setup = JSON.parse(readFileSync(process.argv[2], "utf8"));
const root = new URL("../../", import.meta.url).pathname;
// Miniflare 4 (pinned in tests/clients) for its options, running the same
// workerd as `wrangler dev` (the toolchain's), which the build targets.
const toolsNpm = join(process.env.PORTCULLIS_CACHE ?? `${process.env.HOME}/.cache/portcullis`, "tools/npm");
process.env.MINIFLARE_WORKERD_PATH ??= join(toolsNpm, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const require = createRequire(join(root, "tests/clients/package.json"));
const { Miniflare } = require("miniflare");

const sqlite = (className) => ({ className, useSQLite: true });
const mf = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  modules: true,
  scriptPath: join(root, "edge-worker/build/index.js"),
  modulesRoot: join(root, "edge-worker/build"),
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2025-11-01",
  kvNamespaces: ["CONFIGS"],
  durableObjects: {
    MCP_SSE_SESSIONS: sqlite("McpSseSession"),
    MCP_TENANT_STREAMS: sqlite("McpTenantStreams"),
    MCP_TENANT_AUTH: sqlite("McpTenantAuth"),
    MCP_USER_STATE: sqlite("McpUserState"),
  },
  bindings: setup.vars,
});
const url = await mf.ready;

/// workerd's CPU seconds so far (user + system, all its threads).
function workerdCpu() {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("workerd")) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

// node:http rather than fetch: fetch will not send a Host header of ours,
// and the edge picks the tenant by Host.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(host, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: url.port, method, path, agent, headers: { host, ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/// One MCP request; a body of `null` sends `GET /healthz` instead (the
/// runtime's own cost, for scale).
function send(host, headers, body) {
  if (body === null) return request(host, "GET", "/healthz", headers, undefined);
  const all = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  return request(host, "POST", "/mcp", all, JSON.stringify(body));
}

const out = { scenarios: [] };
try {
  for (const push of setup.pushes) {
    const path = `/internal/tenants/${push.tenant}/config`;
    const r = await request("localhost", "PUT", path, { "content-type": "application/json" }, push.envelope);
    if (r.status !== 200) throw new Error(`push ${push.tenant}: ${r.status} ${r.text}`);
  }
  for (const scenario of setup.scenarios) {
    const headers = { ...scenario.headers };
    if (scenario.initialize) {
      const init = await send(scenario.host, headers, {
        jsonrpc: "2.0", id: 0, method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
      });
      headers["mcp-session-id"] = init.headers["mcp-session-id"];
      if (!headers["mcp-session-id"]) throw new Error(`${scenario.name}: no session (${init.status} ${init.text})`);
    }
    const probe = await send(scenario.host, headers, scenario.body);
    if (probe.status !== 200 || (scenario.body !== null && !probe.text.includes("\"result\""))) {
      throw new Error(`${scenario.name}: ${probe.status} ${probe.text}`);
    }
    // Warm up, then measure for the set time with a fixed number in flight.
    const run = async (seconds) => {
      const latencies = [];
      let errors = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: setup.concurrency }, async () => {
          while (performance.now() < end) {
            const start = performance.now();
            const r = await send(scenario.host, headers, scenario.body);
            latencies.push(performance.now() - start);
            if (r.status !== 200) errors++;
          }
        }),
      );
      return { latencies, errors };
    };
    await run(1);
    const cpuBefore = workerdCpu();
    const started = performance.now();
    const { latencies, errors } = await run(setup.seconds);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = workerdCpu() - cpuBefore;
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    out.scenarios.push({
      name: scenario.name,
      requests: latencies.length,
      errors,
      requestsPerSecond: Math.round(latencies.length / elapsed),
      latencyMs: { p50: +at(0.5).toFixed(2), p99: +at(0.99).toFixed(2) },
      workerdCpuMsPerRequest: +((cpu * 1000) / latencies.length).toFixed(3),
    });
  }
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await mf.dispose();
}
process.stdout.write(JSON.stringify(out) + "\n");
