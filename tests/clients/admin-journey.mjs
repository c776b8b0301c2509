// An admin's first journey in the admin UI, in headless Chromium: sign in
// with a one-time link, open the tenant, add a tool (first with a schema
// the control plane refuses, then a good one), see the pending change,
// publish, and see the version live. Screenshots of every step; console
// errors and failed requests are collected. Prints what it saw as JSON.
//
//   node admin-journey.mjs <sign-in-link> <tenant-slug> <screenshot-dir>
import { launch, watchProblems } from "./browser-user.mjs";

const [link, slug, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
watchProblems(page, out.problems);
// Refusals come back as answers (200), so any error status is a fault.
page.on("response", (r) => r.status() >= 400 && out.problems.push(`${r.status()}: ${r.url()}`));
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
try {
  await page.goto(link, { waitUntil: "networkidle" });
  out.steps.tenants = await page.locator("table.tenants tbody tr").allInnerTexts();
  // An operator creates a tenant: first with a slug the API refuses.
  await page.getByLabel("Slug (its subdomain)").fill("Not A Slug");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("#tenant-slug-error").filter({ hasText: /./ }).waitFor({ timeout: 10000 });
  out.steps.slugError = await page.locator("#tenant-slug-error").innerText();
  await page.getByLabel("Slug (its subdomain)").fill("globex");
  await page.getByLabel("Display name").fill("Globex");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("tr[data-tenant=globex]").waitFor({ timeout: 10000 });
  out.steps.tenantsAfterCreate = await page.locator("table.tenants tbody tr").count();
  await shot("1-tenants");

  await page.getByRole("link", { name: new RegExp(slug, "i") }).first().click();
  await page.waitForURL(`**/tenants/${slug}`);
  await page.waitForLoadState("networkidle");
  out.steps.status = await page.locator(".status").innerText();
  out.steps.endpoint = await page.locator(".endpoints dd code").first().innerText();
  await shot("2-overview");

  await page.getByRole("navigation", { name: "Tenant" }).getByRole("link", { name: "Tools" }).click();
  await page.waitForURL(`**/tenants/${slug}/tools`);
  await page.getByRole("button", { name: "Add tool" }).waitFor({ timeout: 10000 });
  await page.getByLabel("Name").fill("get_weather");
  await page.getByLabel("Description").fill("Current weather for a city");
  const schema = page.getByLabel("Input schema (JSON Schema)");
  await schema.fill('{"type": "object", "properties": {');
  out.steps.typedError = await page.locator("#tool-schema-error").innerText();
  out.steps.submitDisabledWhileInvalid = await page.getByRole("button", { name: "Add tool" }).isDisabled();
  await schema.fill('{"type": "string"}');
  await page.getByLabel("Answer (text)").fill("Sunny, 21°C");
  await page.getByRole("button", { name: "Add tool" }).click();
  await page.locator("#tool-schema-error").filter({ hasText: /object/ }).waitFor({ timeout: 10000 });
  out.steps.serverError = await page.locator("#tool-schema-error").innerText();
  out.steps.keptName = await page.getByLabel("Name").inputValue();
  await shot("3-tool-refused");
  await schema.fill('{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}');
  await page.getByRole("button", { name: "Add tool" }).click();
  await page.locator("[data-tool=get_weather]").waitFor({ timeout: 10000 });
  out.steps.tools = await page.locator(".tools li").allInnerTexts();
  await shot("4-tool-added");

  await page.getByRole("navigation", { name: "Tenant" }).getByRole("link", { name: "Overview" }).click();
  await page.waitForURL(`**/tenants/${slug}`);
  await page.locator(".changes li").first().waitFor({ timeout: 10000 });
  out.steps.pending = await page.locator(".changes li").allInnerTexts();
  await shot("5-pending");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.locator(".status[data-live]").waitFor({ timeout: 15000 });
  out.steps.published = await page.locator(".status").innerText();
  out.steps.history = await page.locator("table.history tbody tr").allInnerTexts();
  await shot("6-published");
  // Publish again, then roll back to the first version: a third version
  // with the first one's content.
  await page.getByRole("button", { name: "Publish" }).click();
  await page.locator("table.history tbody tr[data-version='2']").waitFor({ timeout: 15000 });
  await page.getByRole("button", { name: "Roll back to v1" }).click();
  await page.locator("table.history tbody tr[data-version='3']").waitFor({ timeout: 15000 });
  out.steps.rolledBack = await page.locator("table.history tbody tr[data-version='3']").innerText();
  out.steps.liveAfterRollback = await page.locator(".status").innerText();
  await shot("7-rolled-back");
  // Rate limits: a limit out of bounds is refused next to its field, then
  // a good one saved (and the defaults offered back).
  const perIp = page.getByLabel("MCP requests per client IP");
  await perIp.fill("0");
  await page.getByRole("button", { name: "Save limits" }).click();
  await page.locator("#limit-mcpPerIp-error").filter({ hasText: "between" }).waitFor({ timeout: 10000 });
  out.steps.limitError = await page.locator("#limit-mcpPerIp-error").innerText();
  await perIp.fill("42");
  await page.getByRole("button", { name: "Save limits" }).click();
  await page.getByRole("button", { name: "Use the defaults" }).waitFor({ timeout: 10000 });
  out.steps.limitSaved = await page.getByLabel("MCP requests per client IP").inputValue();
  await shot("8-limits");
} catch (e) {
  out.problems.push(`driver: ${e}`);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
