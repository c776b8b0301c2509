// The side-by-side bench's driver: loads the built edge Worker and
// Cloudflare's TypeScript reference Workers (tests/bench/reference, bundled
// by tests/bench.sh) straight into one workerd through Miniflare — no
// `wrangler dev` proxy, which costs ~8x — and drives each path with `wrk`
// (native, so the load generator does not eat the Workers' CPU the way a
// Node driver would). Reports, as JSON on stdout, per scenario and round:
// req/s, p50/p99 and workerd's CPU time per request; then bundle sizes and
// cold starts.
//
//   node edge-load.mjs <setup.json>
// setup.json is written by the Rust side (tests/benches/edge.rs), which
// signs the configs and mints the tokens; see `Setup` there.
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";

const setup = JSON.parse(readFileSync(process.argv[2], "utf8"));
const root = new URL("../../", import.meta.url).pathname;
// Miniflare 4 (pinned in tests/clients) for its options, running the same
// workerd as `wrangler dev` (the toolchain's), which the build targets.
const toolsNpm = join(process.env.PORTCULLIS_CACHE ?? `${process.env.HOME}/.cache/portcullis`, "tools/npm");
process.env.MINIFLARE_WORKERD_PATH ??= join(toolsNpm, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const require = createRequire(join(root, "tests/clients/package.json"));
const { Miniflare } = require("miniflare");
const referenceBuild = process.env.REFERENCE_BUILD;
const work = mkdtempSync(join(tmpdir(), "portcullis-bench-"));

const sqlite = (className) => ({ className, useSQLite: true });
const COMPATIBILITY_DATE = "2025-11-01";
const edgeWorker = {
  name: "portcullis",
  modules: true,
  scriptPath: join(root, "edge-worker/build/index.js"),
  modulesRoot: join(root, "edge-worker/build"),
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: COMPATIBILITY_DATE,
  kvNamespaces: ["CONFIGS"],
  durableObjects: {
    MCP_SSE_SESSIONS: sqlite("McpSseSession"),
    MCP_TENANT_STREAMS: sqlite("McpTenantStreams"),
    MCP_TENANT_AUTH: sqlite("McpTenantAuth"),
    MCP_TENANT_CONTROL: sqlite("McpTenantControl"),
    MCP_USER_STATE: sqlite("McpUserState"),
  },
  bindings: setup.vars,
};
/// The reference Workers by name; each answers on `<name>.reference.test`,
/// but the OAuth provider, which serves http only on a loopback host.
const referenceHosts = { oauth: "127.0.0.2" };
/// Their bindings.
const referenceWorkers = {
  trivial: {},
  stateless: {},
  "stateless-http": { bindings: { BACKEND: `http://127.0.0.1:${setup.backendPort}` } },
  oauth: { kvNamespaces: ["OAUTH_KV"] },
  agent: { durableObjects: { MCP_OBJECT: sqlite("BenchAgent") } },
};
function referenceWorker(name, routed) {
  return {
    name: `reference-${name}`,
    modules: true,
    scriptPath: join(referenceBuild, `${name}.js`),
    modulesRoot: referenceBuild,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ["nodejs_compat"],
    routes: routed ? [`${referenceHosts[name] ?? `${name}.reference.test`}/*`] : undefined,
    ...referenceWorkers[name],
  };
}

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
// and both the edge and Miniflare's routes go by Host.
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
let port;

function request(host, method, path, headers, body, target = port) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: target, method, path, agent, headers: { host, ...headers } },
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

const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/// What one round sends, with everything it needs set up first: a legacy
/// session opened, or an access token from the reference's OAuth provider.
async function prepare(round) {
  const headers = { ...(round.body === null ? {} : MCP_HEADERS), ...round.headers };
  if (round.referenceToken) headers.authorization = `Bearer ${(await referenceTokens(round.host, 1))[0].access_token}`;
  if (round.initialize) {
    const init = await request(round.host, "POST", round.path, headers, JSON.stringify({
      jsonrpc: "2.0", id: 0, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
    }));
    headers["mcp-session-id"] = init.headers["mcp-session-id"];
    if (!headers["mcp-session-id"]) throw new Error(`${round.host}: no session (${init.status} ${init.text})`);
    await request(round.host, "POST", round.path, headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  }
  const body = round.body === null ? undefined : JSON.stringify(round.body);
  const probe = await request(round.host, round.method, round.path, headers, body, round.port);
  if (probe.status !== 200 || (body && !probe.text.includes('"result"'))) {
    throw new Error(`${round.host}${round.path}: ${probe.status} ${probe.text.slice(0, 300)}`);
  }
  return { headers, body };
}

/// Access and refresh tokens, a grant each: a public client registers at
/// `host`, `approve` gets each authorization approved (given the
/// `/authorize` query and its index, it answers the code), and each code is
/// exchanged with PKCE.
async function grants(host, count, approve, extra = {}) {
  const redirect = "http://127.0.0.1:9/callback";
  const registered = await request(host, "POST", "/register", { "content-type": "application/json" },
    JSON.stringify({ redirect_uris: [redirect], token_endpoint_auth_method: "none", client_name: "bench",
      grant_types: ["authorization_code", "refresh_token"] }));
  const clientId = JSON.parse(registered.text).client_id;
  if (!clientId) throw new Error(`${host} registration: ${registered.status} ${registered.text}`);
  const verifier = "v".repeat(50);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const query = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirect,
      code_challenge: challenge, code_challenge_method: "S256", state: `s${i}`, ...extra });
    const code = await approve(query, i, redirect);
    if (!code) throw new Error(`${host}: no code for authorization ${i}`);
    const exchanged = await request(host, "POST", "/token", { "content-type": "application/x-www-form-urlencoded" },
      new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect, client_id: clientId,
        code_verifier: verifier }).toString());
    const answer = JSON.parse(exchanged.text);
    if (!answer.refresh_token) throw new Error(`${host} token: ${exchanged.status} ${exchanged.text}`);
    tokens.push({ ...answer, client_id: clientId });
  }
  return tokens;
}

/// From the reference's OAuth provider, whose authorization endpoint
/// approves at once.
function referenceTokens(host, count) {
  return grants(host, count, async (query) => {
    const approved = await request(host, "GET", `/authorize?${query}`, {}, undefined);
    return new URL(approved.headers.location ?? "http://x/").searchParams.get("code");
  });
}

/// The OpenID provider the refresh path's tenants sign in with, allowed to
/// send users back to each of them; resolves once it listens.
function startIdentityProvider(idp, tenantHosts) {
  const callbacks = tenantHosts.map((host) => `http://${host}:${port}/oauth/callback`);
  const child = spawn("node", ["oidc-provider.mjs", String(idp.port), idp.clientId, idp.clientSecret, ...callbacks],
    { cwd: join(root, "tests/clients"), stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the identity provider exited (${code})`)));
    createInterface({ input: child.stdout }).on("line", (line) => line.startsWith("ready") && resolve(child));
  });
}

/// From a Portcullis tenant, a user per grant: each signs in at the
/// identity provider and allows on the tenant's consent page in headless
/// Chromium (a fresh profile each). `host` carries the port: the tenant's
/// origin is the one the browser saw.
async function portcullisTokens(host, count) {
  const { launch, signIn } = await import("../clients/browser-user.mjs");
  const browser = await launch();
  try {
    return await grants(host, count, async (query, i, redirect) => {
      const page = await signIn(browser, `http://${host}/authorize?${query}`, `bench${i}@example.test`);
      const back = page.waitForRequest((r) => r.url().startsWith(redirect));
      await page.getByRole("button", { name: "Allow" }).click();
      const code = new URL((await back).url()).searchParams.get("code");
      await page.context().close();
      return code;
    }, { scope: "read" });
  } finally {
    await browser.close();
  }
}

const lua = (value) => JSON.stringify(value); // a JSON string is a Lua string literal here

/// A wrk script sending `method path` with `headers` and `body`, reporting
/// its figures as one JSON line.
function wrkScript(host, method, path, headers, body) {
  const all = { Host: host, ...headers };
  const lines = Object.entries(all).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`);
  return `wrk.method = ${lua(method)}
wrk.path = ${lua(path)}
${body ? `wrk.body = ${lua(body)}` : ""}
${lines.join("\n")}
${REPORT}`;
}

/// A wrk script for the refresh-token grant: each thread (one connection
/// each) holds its own grant and sends the refresh token the last answer
/// gave it, as a client does.
function refreshScript(host, grants) {
  return `local grants = ${"{" + grants.map((g) => `{${lua(g.refresh_token)}, ${lua(g.client_id)}}`).join(", ") + "}"}
local next_grant = 1
function setup(thread)
  thread:set("token", grants[next_grant][1])
  thread:set("client", grants[next_grant][2])
  next_grant = next_grant + 1
end
function request()
  return wrk.format("POST", "/token", {Host = ${lua(host)}, ["Content-Type"] = "application/x-www-form-urlencoded"},
    "grant_type=refresh_token&client_id=" .. client .. "&refresh_token=" .. token)
end
function response(status, headers, body)
  local fresh = body:match('"refresh_token":"([^"]+)"')
  if fresh then token = fresh end
end
${REPORT}`;
}

const REPORT = `function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('{"requests": %d, "micros": %d, "errors": %d, "p50": %d, "p99": %d}\\n',
    summary.requests, summary.duration, errors, latency:percentile(50), latency:percentile(99)))
end`;

/// One wrk run of `seconds` against the script; workerd's CPU measured
/// around it. A script holding state per thread (a refresh token) needs a
/// thread per connection.
function drive(script, seconds, connections, threads = Math.min(connections, 2), target = port) {
  const file = join(work, "script.lua");
  writeFileSync(file, script);
  const cpuBefore = workerdCpu();
  const run = spawnSync("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`,
    "--timeout", "10s", "-s", file, `http://127.0.0.1:${target}/`], { encoding: "utf8" });
  const cpu = workerdCpu() - cpuBefore;
  if (run.status !== 0) throw new Error(`wrk: ${run.stderr || run.error}`);
  const report = JSON.parse(run.stdout.trim().split("\n").at(-1));
  return {
    requestsPerSecond: Math.round(report.requests / (report.micros / 1e6)),
    p50Ms: +(report.p50 / 1000).toFixed(2),
    p99Ms: +(report.p99 / 1000).toFixed(2),
    cpuMicrosPerRequest: Math.round((cpu * 1e6) / Math.max(report.requests, 1)),
    errors: report.errors,
  };
}

/// Pushes signed configs to the edge, `concurrency` at a time.
async function push(lines, concurrency = 8) {
  let failure;
  const queue = lines[Symbol.asyncIterator] ? lines : (async function* () { yield* lines; })();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for await (const line of queue) {
      const { tenant, envelope } = typeof line === "string" ? JSON.parse(line) : line;
      const r = await request("localhost", "PUT", `/internal/tenants/${tenant}/config`, { "content-type": "application/json" }, envelope);
      if (r.status !== 200) failure ??= new Error(`push ${tenant}: ${r.status} ${r.text}`);
    }
  }));
  if (failure) throw failure;
}

/// The first answer after the runtime starts, for one Worker loaded alone.
async function coldStart(worker, host, path) {
  const started = performance.now();
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, workers: [worker] });
  const url = await mf.ready;
  const ready = performance.now();
  await new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: url.port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  });
  const answered = performance.now();
  await mf.dispose();
  return { firstAnswerMs: +(answered - ready).toFixed(1), fromStartMs: +(answered - started).toFixed(1) };
}

const gzipKb = (...files) => Math.ceil(files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0) / 1024);

/// A helper server on loopback `port` in its own process (`drive` blocks
/// this one's event loop): the HTTP tools' backend for both sides
/// (tests/bench/backend.mjs), the upstream MCP server forwarded to
/// (tests/clients/upstream-changing.mjs). Resolves once it says "ready".
function startHelper(script, port) {
  const child = spawn("node", [join(root, script), String(port)],
    { stdio: ["ignore", "pipe", "inherit"], cwd: join(root, "tests/clients") });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the backend exited (${code})`)));
    createInterface({ input: child.stdout }).on("line", (line) => line.startsWith("ready") && resolve(child));
  });
}

const out = { scenarios: [] };
let mf;
let idp;
let backend;
let upstream;
try {
  backend = await startHelper("tests/bench/backend.mjs", setup.backendPort);
  upstream = await startHelper("tests/clients/upstream-changing.mjs", setup.upstreamPort);
  const names = Object.keys(referenceWorkers);
  mf = new Miniflare({ host: "127.0.0.1", port: 0, workers: [edgeWorker, ...names.map((n) => referenceWorker(n, true))] });
  port = (await mf.ready).port;
  await push(setup.pushes);
  const signInHosts = setup.scenarios.flatMap((s) => s.rounds.filter((r) => r.portcullisRefresh).map((r) => r.host));
  if (signInHosts.length) idp = await startIdentityProvider(setup.idp, signInHosts);
  const { seconds, rounds, connections } = setup;
  for (const scenario of setup.scenarios) {
    if (scenario.scalePushes) {
      await push(createInterface({ input: createReadStream(scenario.scalePushes) }), 16);
    }
    const results = [];
    for (let i = 0; i < rounds; i++) {
      // Each round its own tenant (and so its own rate-limit windows).
      const round = scenario.rounds[i % scenario.rounds.length];
      let script;
      const tokens = round.refresh ? referenceTokens
        : round.portcullisRefresh ? (host, n) => portcullisTokens(`${host}:${port}`, n) : undefined;
      const host = round.portcullisRefresh ? `${round.host}:${port}` : round.host;
      if (tokens) {
        script = refreshScript(host, await tokens(round.host, connections));
      } else {
        const { headers, body } = await prepare(round);
        script = wrkScript(round.host, round.method, round.path, headers, body);
      }
      const threads = tokens ? connections : undefined;
      if (i === 0) drive(script, 2, connections, threads, round.port); // warm up
      if (tokens && i === 0) script = refreshScript(host, await tokens(round.host, connections));
      results.push(drive(script, seconds, connections, threads, round.port));
    }
    out.scenarios.push({ path: scenario.path, side: scenario.side, name: scenario.name, rounds: results });
  }
  await mf.dispose();
  mf = undefined;
  out.bundles = {
    portcullis: gzipKb(join(root, "edge-worker/build/index.js"), join(root, "edge-worker/build/index_bg.wasm")),
    ...Object.fromEntries(names.map((n) => [`reference-${n}`, gzipKb(join(referenceBuild, `${n}.js`))])),
  };
  out.coldStarts = {
    portcullis: await coldStart(edgeWorker, "localhost", "/healthz"),
    "reference-trivial": await coldStart(referenceWorker("trivial", false), "localhost", "/"),
    "reference-oauth": await coldStart(referenceWorker("oauth", false), "localhost", "/.well-known/oauth-authorization-server"),
  };
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  for (const helper of [backend, upstream]) {
    helper?.removeAllListeners("exit");
    helper?.kill();
  }
  idp?.removeAllListeners("exit");
  idp?.kill();
  await mf?.dispose();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out) + "\n");
