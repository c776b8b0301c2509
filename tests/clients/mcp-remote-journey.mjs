// mcp-remote (the stdio proxy Claude Desktop runs, pinned in package.json)
// in front of an OAuth tenant over HTTPS, as a user meets it: mcp-remote
// registers itself and prints where to sign in; the user signs in at the
// identity provider and allows in headless Chromium; then a client speaks
// MCP over mcp-remote's stdin/stdout: initialize, tools/list, tools/call.
//
//   node mcp-remote-journey.mjs <mcp-url> <login> <ca.pem> <edge.pem> <tool> <shots-dir> <callback-port>
// Node trusts the tenant's certificate through NODE_EXTRA_CA_CERTS=<ca.pem>
// only; Chromium through the edge certificate's key (SPKI pin). Prints
// {"steps": [...], "problems": [...]} as JSON.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, signIn, spkiPin, watchProblems } from "./browser-user.mjs";

const [mcpUrl, login, caFile, edgeCertFile, tool, shots, callbackPort] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const out = { steps: [], problems: [] };
const step = (name, value) => out.steps.push({ name, ...value });

/// Waits until `predicate(text)` holds for what `stream` printed so far.
function waitFor(stream, predicate, what, ms = 60_000) {
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; saw:\n${seen}`)), ms);
    const look = (chunk) => {
      seen += chunk;
      const found = predicate(seen);
      if (found) {
        clearTimeout(timer);
        stream.off("data", look);
        resolve(found);
      }
    };
    stream.on("data", look);
  });
}

const proxy = spawn(join(here, "node_modules/.bin/mcp-remote"), [mcpUrl, callbackPort], {
  env: {
    ...process.env,
    NODE_EXTRA_CA_CERTS: caFile,
    NODE_OPTIONS: `--import ${join(here, "localhost-resolver.mjs")}`,
    MCP_REMOTE_CONFIG_DIR: mkdtempSync(join(tmpdir(), "mcp-remote-")),
    // No desktop here: there is no browser for it to open by itself.
    BROWSER: "true",
  },
  stdio: ["pipe", "pipe", "pipe"],
});
proxy.stderr.setEncoding("utf8");
proxy.stdout.setEncoding("utf8");
let stderr = "";
proxy.stderr.on("data", (c) => (stderr += c));
let browser;
try {
  const authorizationUrl = await waitFor(
    proxy.stderr,
    (t) => t.match(/Please authorize this client by visiting:\s*(\S+)/)?.[1],
    "mcp-remote's authorization URL",
  );
  step("authorization url", { value: authorizationUrl });

  browser = await launch([`--ignore-certificate-errors-spki-list=${spkiPin(edgeCertFile)}`]);
  const page = await signIn(browser, authorizationUrl, login, { problems: out.problems });
  watchProblems(page, out.problems);
  step("edge page", { url: page.url(), title: await page.title() });
  await page.screenshot({ path: `${shots}/mcp-remote-consent.png`, fullPage: true });
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((u) => u.hostname === "localhost" || u.hostname === "127.0.0.1");
  await page.waitForLoadState();
  step("callback page", { url: page.url().split("?")[0], text: (await page.locator("body").innerText()).slice(0, 200) });

  // Newline-delimited JSON-RPC over the proxy's stdio.
  const replies = new Map();
  let buffered = "";
  proxy.stdout.on("data", (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line) continue;
      try {
        const message = JSON.parse(line);
        if (message.id !== undefined) replies.set(message.id, message);
      } catch {
        out.problems.push(`not JSON on stdout: ${line.slice(0, 200)}`);
      }
    }
  });
  const ask = async (id, method, params) => {
    proxy.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    const deadline = Date.now() + 60_000;
    while (!replies.has(id)) {
      if (Date.now() > deadline) throw new Error(`no answer to ${method}; mcp-remote said:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return replies.get(id);
  };
  const init = await ask(1, "initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "portcullis-e2e-desktop", version: "1.0.0" },
  });
  step("initialize", { result: init.result ?? null, error: init.error ?? null });
  proxy.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  const listed = await ask(2, "tools/list", {});
  step("tools/list", { tools: listed.result?.tools?.map((t) => t.name) ?? null, error: listed.error ?? null });
  const called = await ask(3, "tools/call", { name: tool, arguments: {} });
  step("tools/call", { result: called.result ?? null, error: called.error ?? null });
} catch (e) {
  step("failed", { error: String(e?.stack ?? e), stderr });
} finally {
  await browser?.close();
  proxy.kill();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
