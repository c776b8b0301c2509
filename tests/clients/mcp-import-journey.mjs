// An admin fronts an MCP server they already run, in headless Chromium:
// chooses "a running MCP server" on the import page, gives its endpoint and
// a prefix, previews its tools, keeps one and imports it.
// Prints what it saw as JSON; screenshots each step.
//
//   node mcp-import-journey.mjs <sign-in-link> <tenant-slug> <server-url> <screenshot-dir>
import { launch, watchProblems } from "./browser-user.mjs";

const [link, slug, server, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
watchProblems(page, out.problems);
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
try {
  await page.goto(link, { waitUntil: "networkidle" });
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  await page.getByRole("link", { name: "Import tools from an OpenAPI description or an MCP server" }).click();
  await page.waitForURL(`**/tenants/${slug}/import`);
  await page.locator("#import-kind-mcp").check();
  // An endpoint nobody serves MCP at: refused next to the field.
  await page.locator("#mcp-url").fill(server.replace("/mcp", "/nothing"));
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("#mcp-url-error").filter({ hasText: /\w/ }).waitFor();
  out.steps.refusal = await page.locator("#mcp-url-error").innerText();
  await page.locator("#mcp-url").fill(server);
  await page.locator("#mcp-prefix").fill("ev_");
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("table.proposals tbody tr").first().waitFor();
  out.steps.title = await page.locator("section.page h2").first().innerText();
  out.steps.proposed = await page.locator("table.proposals tbody tr").count();
  await shot("1-mcp-preview");
  for (const row of await page.locator("table.proposals tbody tr").all()) {
    const keep = (await row.getAttribute("data-tool")) === "ev_echo";
    const box = row.locator("input[type=checkbox]");
    if (keep !== (await box.isChecked())) await box.click();
  }
  await page.getByRole("button", { name: "Import the chosen tools" }).click();
  await page.locator("form.import-choose p.saved").waitFor();
  out.steps.imported = await page.locator("form.import-choose p.saved").innerText();
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("tr[data-tool=ev_echo] td.change", { hasText: "unchanged" }).waitFor();
  out.steps.again = await page.locator("tr[data-tool=ev_echo] td.change").innerText();
  await shot("2-mcp-imported");
  // The tools list says where it forwards; its editor, which tool.
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.badge = await page.locator("li[data-tool=ev_echo] [data-forwarded]").innerText();
  await page.goto(new URL(`/tenants/${slug}/tools/ev_echo`, page.url()).href, { waitUntil: "networkidle" });
  await page.locator("#tool-http-mcp-tool").waitFor();
  out.steps.upstreamTool = await page.locator("#tool-http-mcp-tool").inputValue();
  out.steps.summary = await page.locator(".binding-summary p.forwarded").innerText();
  out.steps.argumentsShown = await page.locator("table.arguments").isVisible();
  await shot("3-forwarded-tool");
} catch (e) {
  out.problems.push(`driver: ${e}`);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
