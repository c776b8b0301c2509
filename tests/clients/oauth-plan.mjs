// Signs a user in with the official TypeScript SDK's OAuth client (headless
// Chromium for the user's part: upstream login, the edge's consent), then
// runs a plan of MCP calls as that user. Prints JSON: what each call gave,
// and the tokens, so a test can go on calling as the same user.
//
//   node oauth-plan.mjs <mcp-url> <login> <plan-json>
//   plan: [{"op": "callTool", "name": ..., "arguments": {...}}, ...]
import "./localhost-resolver.mjs";
import { launch, signIn } from "./browser-user.mjs";
import { oauthApp } from "./sdk-oauth.mjs";

const [mcpUrl, login, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const out = { problems: [], results: [] };

const app = await oauthApp(mcpUrl, "Portcullis plan client");
const browser = await launch();
try {
  await app.connect().catch(() => {});
  const page = await signIn(browser, String(app.provider.authorizationUrl), login, { problems: out.problems });
  await page.getByRole("button", { name: "Allow" }).click();
  await app.finish(await app.codeArrived);
  const client = await app.connect();
  for (const step of plan) {
    try {
      if (step.op !== "callTool") throw new Error(`unknown op ${step.op}`);
      out.results.push({ ok: true, value: await client.callTool({ name: step.name, arguments: step.arguments }) });
    } catch (e) {
      out.results.push({ ok: false, error: { code: e.code ?? null, message: String(e.message ?? e) } });
    }
  }
  out.accessToken = app.provider.saved.tokens?.access_token ?? null;
  out.clientId = app.provider.saved.client?.client_id ?? null;
  await client.close().catch(() => {});
} catch (e) {
  out.problems.push(String(e?.stack ?? e));
} finally {
  await browser.close();
  app.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
