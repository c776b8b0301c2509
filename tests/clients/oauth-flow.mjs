// The official TypeScript SDK's OAuth client (an `OAuthClientProvider`) against
// a tenant, with a real browser (headless Chromium) for the user's part:
// 401 → discovery → dynamic registration → /authorize → upstream login at the
// OpenID provider → the edge's consent page → code → tokens → MCP calls;
// then a refresh, a revocation, and what happens after it. Prints JSON.
//
//   node oauth-flow.mjs <mcp-url> <login> <screenshot-dir> [<sign-in choice>]
import "./localhost-resolver.mjs";
import { launch, signIn } from "./browser-user.mjs";
import { oauthApp, listWithToken } from "./sdk-oauth.mjs";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const [mcpUrl, login, shots, choice] = process.argv.slice(2);
const out = { problems: [], steps: [] };
const step = (name, value) => out.steps.push({ name, ...value });

const app = await oauthApp(mcpUrl, "Portcullis e2e client");
const { provider, codeArrived } = app;
const connected = () => app.connect();

async function attempt(name, fn) {
  try {
    step(name, { ok: true, value: await fn() });
  } catch (e) {
    step(name, { ok: false, error: String(e?.message ?? e), unauthorized: e instanceof UnauthorizedError });
  }
}

let page;
const browser = await launch();
try {
  const bare = await fetch(mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  step("challenge", { status: bare.status, wwwAuthenticate: bare.headers.get("www-authenticate") });

  // The SDK discovers, registers and asks the user to go to the authorization URL.
  await attempt("connect without tokens", () => connected());
  const authorizationUrl = String(provider.authorizationUrl ?? "");
  step("authorization url", { value: authorizationUrl, clientId: provider.saved.client?.client_id ?? null });

  out.navigations = [];
  page = await signIn(browser, authorizationUrl, login, { choice, problems: out.problems, navigations: out.navigations });
  step("edge page", { url: page.url(), title: await page.title(), text: await page.locator("main").innerText().catch(() => "") });
  await page.screenshot({ path: `${shots}/edge-page-${login.replace(/[^a-z0-9]/gi, "_")}.png`, fullPage: true });
  if ((await page.getByRole("button", { name: "Allow" }).count()) > 0) {
    await page.getByRole("button", { name: "Allow" }).click();
    const params = await codeArrived;
    step("redirect", { params: Object.keys(params).sort(), iss: params.iss ?? null });
    await attempt("finish auth", async () => {
      await app.finish(params);
      return { scope: provider.saved.tokens?.scope ?? null };
    });
    const client = await connected();
    await attempt("list tools", async () => (await client.listTools()).tools.map((t) => t.name));
    await attempt("call allowed tool", () => client.callTool({ name: "forecast", arguments: { city: "Oslo" } }));
    await attempt("call tool outside scopes", () => client.callTool({ name: "wipe", arguments: { city: "Oslo" } }));

    // An expired or broken access token: the SDK refreshes and carries on.
    const before = { ...provider.saved.tokens };
    provider.saved.tokens = { ...before, access_token: "pca1.e30.AAAA" };
    await attempt("list tools after refresh", async () => (await (await connected()).listTools()).tools.map((t) => t.name));
    const after = provider.saved.tokens;
    step("refresh", { rotated: after.refresh_token !== before.refresh_token, newAccess: after.access_token !== before.access_token });

    // Revocation: the grant ends; its tokens stop working everywhere.
    const revoke = await fetch(new URL("/revoke", mcpUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: after.refresh_token, client_id: provider.saved.client.client_id }),
    });
    step("revoke", { status: revoke.status });
    step("revoked access token", await listWithToken(mcpUrl, after.access_token));
    const refresh = await fetch(new URL("/token", mcpUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: after.refresh_token, client_id: provider.saved.client.client_id }),
    });
    step("refresh after revocation", { status: refresh.status, body: await refresh.json().catch(() => null) });
    await attempt("connect after revocation", () => connected());
  }
} catch (e) {
  out.problems.push(`driver: ${e?.stack ?? e}`);
  if (page) out.lastPage = { url: page.url(), text: await page.locator("body").innerText().catch(() => "") };
} finally {
  await browser.close();
  app.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
