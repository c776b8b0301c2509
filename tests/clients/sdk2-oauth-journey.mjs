// The official TypeScript SDK 2.x client (`@modelcontextprotocol/client`,
// which the MCP Inspector bundles) through a tenant's OAuth over HTTPS:
// it refuses to send credentials to a non-https token endpoint, so this is
// the path its users take. It registers itself, the user signs in and
// allows in headless Chromium, then it negotiates (2026-07-28 where
// offered), lists and calls.
//
//   node sdk2-oauth-journey.mjs <mcp-url> <login> <edge.pem> <tool>
// Node trusts the tenant through NODE_EXTRA_CA_CERTS (set by the caller),
// Chromium through the edge certificate's key. Prints {"steps": [...]}.
import "./localhost-resolver.mjs";
import { launch, signIn, spkiPin } from "./browser-user.mjs";
import { oauthApp } from "./sdk-oauth.mjs";

const [mcpUrl, login, edgeCertFile, tool] = process.argv.slice(2);
const out = { steps: [], problems: [] };
const step = (name, value) => out.steps.push({ name, ...value });
const attempt = async (name, run) => {
  try {
    step(name, { ok: true, value: await run() });
  } catch (e) {
    step(name, { ok: false, error: String(e?.message ?? e) });
  }
};

const app = await oauthApp(mcpUrl, "Portcullis e2e (SDK 2.x)", "v2");
let browser;
try {
  await attempt("connect without tokens", () => app.connect());
  step("authorization url", { value: String(app.provider.authorizationUrl ?? "") });
  browser = await launch([`--ignore-certificate-errors-spki-list=${spkiPin(edgeCertFile)}`]);
  const page = await signIn(browser, String(app.provider.authorizationUrl), login, { problems: out.problems });
  await page.getByRole("button", { name: "Allow" }).click();
  const params = await app.codeArrived;
  await attempt("finish auth", async () => {
    await app.finish(params);
    return { scope: app.provider.saved.tokens?.scope ?? null };
  });
  const client = await app.connect();
  step("negotiated", { protocolVersion: client.transportUsed.protocolVersion ?? null, server: client.getServerVersion() });
  await attempt("list tools", async () => (await client.listTools()).tools.map((t) => t.name));
  await attempt("call tool", () => client.callTool({ name: tool, arguments: {} }));
  await client.close().catch(() => {});
} catch (e) {
  step("failed", { error: String(e?.stack ?? e) });
} finally {
  await browser?.close();
  app.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
