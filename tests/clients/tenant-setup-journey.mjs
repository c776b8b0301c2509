// A platform operator's first sign-in and a tenant set up from nothing in
// the admin UI, in headless Chromium: create the tenant, add an OpenID
// Connect identity provider (tested first), a scope, a sign-in rule and a
// role, a tool that needs the scope; try to save the tool with an invalid
// schema (refused inline, nothing saved); publish; try the live tool from
// its page. Then a real MCP client
// (the official SDK's OAuth client) signs a user in and sees the tool, and
// the admin revokes that client in the UI: its token stops working.
// Screenshots of every step; console errors and failed requests are
// collected. Prints what it saw as JSON.
//
//   node tenant-setup-journey.mjs <sign-in-link> <acme-mcp-url> <issuer> <client-id> <client-secret> <screenshot-dir>
import "./localhost-resolver.mjs";
import { launch, signIn, watchProblems } from "./browser-user.mjs";
import { oauthApp, listWithToken } from "./sdk-oauth.mjs";

const [link, mcpUrl, issuer, clientId, clientSecret, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
watchProblems(page, out.problems);
page.on("response", (r) => r.status() >= 400 && out.problems.push(`${r.status()}: ${r.url()}`));
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
const tab = (name) => page.getByRole("navigation", { name: "Tenant" }).getByRole("link", { name, exact: true }).click();
const settled = () => page.waitForLoadState("networkidle");
let app;
// Form controls a screen reader could not name, on the current page.
const unlabelled = () =>
  page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || (el.tagName === "BUTTON" && el.innerText.trim())))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
const audit = async (name) => {
  const missing = await unlabelled();
  if (missing.length) out.problems.push(`unlabelled on ${name}: ${missing.join(" | ")}`);
};
try {
  await page.goto(link, { waitUntil: "networkidle" });
  out.steps.firstPage = await page.locator("main").innerText();
  // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page.
  await page.keyboard.press("Tab");
  out.steps.firstTab = await page.evaluate(() => document.activeElement?.innerText ?? "");
  await page.keyboard.press("Enter");
  out.steps.afterSkip = await page.evaluate(() => document.activeElement?.id ?? "");
  await audit("tenants");
  await page.getByLabel("Slug (its subdomain)").fill("acme");
  await page.getByLabel("Display name").fill("Acme Corp");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("tr[data-tenant=acme]").waitFor({ timeout: 10000 });
  await shot("1-tenant-created");
  await page.getByRole("link", { name: "Acme Corp" }).click();
  await page.waitForURL("**/tenants/acme");
  await settled();

  // Sign-in: an OpenID Connect provider, tested before it is saved.
  await tab("Sign-in");
  await page.waitForURL("**/tenants/acme/auth");
  await page.getByRole("button", { name: "Save provider" }).waitFor({ timeout: 10000 });
  out.steps.modeBefore = await page.locator(".status").innerText();
  await page.getByLabel("Kind").selectOption("oidc");
  await page.getByLabel("Id", { exact: true }).fill("acme-sso");
  await page.getByLabel("Display name").fill("Acme SSO");
  await page.getByLabel("Client ID", { exact: true }).fill(clientId);
  await page.getByLabel("Client secret").fill(clientSecret);
  await page.getByLabel("Issuer URL").fill(issuer);
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.locator(".test-result .checks li").first().waitFor({ timeout: 15000 });
  out.steps.testVerdict = await page.locator(".test-result p").first().innerText();
  out.steps.testChecks = await page.locator(".test-result .checks li").allInnerTexts();
  await shot("2-provider-tested");
  await page.getByRole("button", { name: "Save provider" }).click();
  await page.locator("[data-provider=acme-sso]").waitFor({ timeout: 10000 });
  out.steps.provider = await page.locator("[data-provider=acme-sso]").innerText();
  out.steps.modeAfter = await page.locator(".status").innerText();
  out.steps.secretShown = (await page.content()).includes(clientSecret);

  // A scope, who may sign in, and a role that may grant the scope.
  await page.getByLabel("Scope name").fill("weather:read");
  await page.getByLabel("Scope description").fill("Read forecasts");
  await page.getByRole("button", { name: "Add scope" }).click();
  await page.locator("[data-scope='weather:read']").waitFor({ timeout: 10000 });
  await page.locator("#rule-domains").fill("acme.com");
  await page.getByRole("button", { name: "Add rule" }).click();
  await page.locator("[data-rule='0']").waitFor({ timeout: 10000 });
  await page.getByLabel("Role name").fill("staff");
  await page.getByLabel("Scopes its members may grant").fill("weather:read");
  await page.getByRole("button", { name: "Add role" }).click();
  await page.locator("[data-role=staff]").waitFor({ timeout: 10000 });
  out.steps.rule = await page.locator("[data-rule='0']").innerText();
  out.steps.role = await page.locator("[data-role=staff]").innerText();
  await shot("3-sign-in-settings");
  await audit("sign-in");

  // A prompt and a resource.
  await tab("Prompts & resources");
  await page.waitForURL("**/tenants/acme/catalog");
  await page.getByRole("button", { name: "Add prompt" }).waitFor({ timeout: 10000 });
  await page.getByLabel("Prompt name").fill("summarize");
  await page.getByLabel("Message (from the user)").fill("Summarize tomorrow's forecast.");
  await page.getByRole("button", { name: "Add prompt" }).click();
  await page.locator(".prompts li").first().waitFor({ timeout: 10000 });
  await page.getByLabel("URI").fill("docs://handbook");
  await page.getByLabel("Resource name").fill("Handbook");
  await page.locator("#resource-text").fill("Be kind.");
  await page.getByRole("button", { name: "Add resource" }).click();
  await page.locator(".resources li").first().waitFor({ timeout: 10000 });
  out.steps.catalog = await page.locator("main").innerText();
  await shot("3b-prompts-and-resources");
  await audit("catalog");

  // A tool that needs the scope, shown as clients will see it.
  await tab("Tools");
  await page.waitForURL("**/tenants/acme/tools");
  await page.getByRole("button", { name: "Add tool" }).waitFor({ timeout: 10000 });
  await page.getByLabel("Name", { exact: true }).fill("forecast");
  await page.getByLabel("Description").fill("Tomorrow's weather for a city");
  await page.getByLabel("Answer (text)").fill("Sunny, 21°C");
  await page.getByLabel("weather:read").check();
  await page.getByLabel("Read-only (changes nothing)").check();
  out.steps.preview = await page.locator(".preview pre").innerText();
  await page.getByRole("button", { name: "Add tool" }).click();
  await page.locator("[data-tool=forecast]").waitFor({ timeout: 10000 });
  out.steps.toolListed = await page.locator("[data-tool=forecast]").innerText();
  await shot("4-tool-added");
  await audit("tools");

  // Editing it with an invalid schema: refused next to the field, nothing saved.
  await page.locator("[data-tool=forecast] a").click();
  await page.waitForURL("**/tenants/acme/tools/forecast");
  await page.getByRole("button", { name: "Save tool" }).waitFor({ timeout: 10000 });
  const schema = page.getByLabel("Input schema (JSON Schema)");
  out.steps.schemaBefore = await schema.inputValue();
  await schema.fill('{"type": "object", "properties": {"city": {"type": "strng"}}}');
  await page.getByLabel("Description").fill("Changed, but not saved");
  await page.getByRole("button", { name: "Save tool" }).click();
  await page.locator("#tool-schema-error").filter({ hasText: /JSON Schema/ }).waitFor({ timeout: 10000 });
  out.steps.editError = await page.locator("#tool-schema-error").innerText();
  out.steps.keptTyped = await page.getByLabel("Description").inputValue();
  await shot("5-invalid-schema-refused");
  await page.reload({ waitUntil: "networkidle" });
  out.steps.schemaAfterReload = await page.getByLabel("Input schema (JSON Schema)").inputValue();
  out.steps.descriptionAfterReload = await page.getByLabel("Description").inputValue();

  // Publish.
  await tab("Overview");
  await page.waitForURL("**/tenants/acme");
  await page.locator(".changes li").first().waitFor({ timeout: 10000 });
  out.steps.pending = await page.locator(".changes li").allInnerTexts();
  await page.getByRole("button", { name: "Publish" }).click();
  await page.locator(".status[data-live]").waitFor({ timeout: 15000 });
  out.steps.published = await page.locator(".status").innerText();
  await shot("6-published");

  // Try it: the live tool, called through the edge from its page.
  await tab("Tools");
  await page.locator("[data-tool=forecast] a").click();
  await page.waitForURL("**/tenants/acme/tools/forecast");
  await page.getByRole("button", { name: "Call the tool" }).waitFor({ timeout: 10000 });
  await page.getByLabel("Arguments (JSON)").fill('{"city": "Oslo"}');
  await page.getByRole("button", { name: "Call the tool" }).click();
  await page.locator(".try-result pre").waitFor({ timeout: 10000 });
  out.steps.tried = await page.locator(".try-result").innerText();
  await page.getByLabel("Arguments (JSON)").fill('{"city": 7}');
  await page.getByRole("button", { name: "Call the tool" }).click();
  await page.locator(".try-result").filter({ hasText: /Refused/ }).waitFor({ timeout: 10000 });
  out.steps.triedBadly = await page.locator(".try-result").innerText();
  await shot("7-tried");
  await audit("tool page");

  // A real MCP client: a user of acme.com signs in through the tenant's
  // provider and allows it; the client sees the tool.
  app = await oauthApp(mcpUrl, "Portcullis e2e client");
  await app.connect().catch((e) => (out.steps.firstConnect = String(e?.message ?? e)));
  const user = await signIn(browser, String(app.provider.authorizationUrl), "alice@acme.com", { problems: out.problems });
  out.steps.consent = await user.locator("main").innerText();
  await user.screenshot({ path: `${shots}/8-user-consent.png`, fullPage: true });
  await user.getByRole("button", { name: "Allow" }).click();
  await app.finish(await app.codeArrived);
  const client = await app.connect();
  out.steps.clientTools = (await client.listTools()).tools.map((t) => t.name);
  out.steps.clientCall = (await client.callTool({ name: "forecast", arguments: { city: "Oslo" } })).content;
  const token = app.provider.saved.tokens.access_token;

  // The admin sees the client and the user's grant, and revokes the client.
  await tab("Clients");
  await page.waitForURL("**/tenants/acme/clients");
  await page.locator("tr[data-grant]").first().waitFor({ timeout: 10000 });
  out.steps.clients = await page.locator("table.clients tbody tr").allInnerTexts();
  out.steps.grants = await page.locator("table.grants tbody tr").allInnerTexts();
  await shot("9-clients");
  await audit("clients");
  out.steps.beforeRevoke = await listWithToken(mcpUrl, token);
  await page.getByRole("button", { name: "Revoke Portcullis e2e client" }).click();
  await page.getByRole("button", { name: "Yes, revoke" }).click();
  await page.locator(".saved").filter({ hasText: /Revoked/ }).waitFor({ timeout: 10000 });
  out.steps.revoked = await page.locator(".saved").first().innerText();
  await page.getByText("No user has authorized a client.").waitFor({ timeout: 10000 });
  out.steps.grantsAfter = await page.locator("tr[data-grant]").count();
  await shot("10-client-revoked");
  out.steps.afterRevoke = await listWithToken(mcpUrl, token);

  // The audit log shows what happened, filtered to clients.
  await tab("Audit log");
  await page.waitForURL("**/tenants/acme/audit");
  await page.getByLabel("Action").selectOption("client");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.locator("tr[data-action='client.revoke']").waitFor({ timeout: 10000 });
  out.steps.audit = await page.locator("table.audit tbody tr").allInnerTexts();
  await shot("11-audit");
  await audit("audit log");

  // The overview pictures the calls the client made.
  await tab("Overview");
  await page.waitForURL("**/tenants/acme");
  for (let i = 0; i < 20 && !(await page.locator("figure.usage").count()); i++) {
    await page.waitForTimeout(500);
    await page.reload({ waitUntil: "networkidle" });
  }
  out.steps.usage = await page.locator(".totals").innerText();
  await shot("12-overview-with-usage");
  await audit("overview");
} catch (e) {
  out.problems.push(`driver: ${e?.stack ?? e}`);
  await shot("failure").catch(() => {});
} finally {
  app?.close();
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
