// An admin imports tools from an OpenAPI description in the admin UI, in
// headless Chromium: pastes it, previews the tools (new, refused with
// why), types the API key, imports, and finds the tools in the list;
// then gives the tenant's users a memory on the overview.
// Prints what it saw as JSON; screenshots each step.
//
//   node import-journey.mjs <sign-in-link> <tenant-slug> <description-file> <base-url> <screenshot-dir>
import { readFileSync } from "node:fs";
import { launch, watchProblems } from "./browser-user.mjs";

const [link, slug, file, base, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
watchProblems(page, out.problems);
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
try {
  await page.goto(link, { waitUntil: "networkidle" });
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  await page.getByRole("link", { name: "Import tools from an OpenAPI description" }).click();
  await page.waitForURL(`**/tenants/${slug}/import`);
  // Nothing given: the form says what it needs.
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("form.import p.error").filter({ hasText: /document|url/ }).waitFor();
  out.steps.emptyRefusal = await page.locator("form.import p.error").innerText();
  await page.locator("#openapi-document").fill(readFileSync(file, "utf8"));
  await page.locator("#openapi-base").fill(base);
  await shot("1-import-source");
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("table.proposals tbody tr").first().waitFor();
  out.steps.title = await page.locator("section.page h2").first().innerText();
  out.steps.proposed = await page.locator("table.proposals tbody tr").count();
  out.steps.changes = [...new Set(await page.locator("table.proposals td.change").allInnerTexts())];
  out.steps.refused = await page.locator("ul.refused li").allInnerTexts();
  await shot("2-import-preview");
  // Keep three of them.
  const keep = new Set(["getPetById", "findPetsByStatus", "placeOrder"]);
  for (const row of await page.locator("table.proposals tbody tr").all()) {
    const name = await row.getAttribute("data-tool");
    const box = row.locator("input[type=checkbox]");
    if (keep.has(name) !== (await box.isChecked())) await box.click();
  }
  await page.locator("#secret-api_key").fill("ui-pet-key");
  await page.getByRole("button", { name: "Import the chosen tools" }).click();
  await page.locator("form.import-choose p.saved").waitFor();
  out.steps.imported = await page.locator("form.import-choose p.saved").innerText();
  await shot("3-imported");
  // A second preview shows them as unchanged.
  await page.getByRole("button", { name: "Preview tools" }).click();
  await page.locator("tr[data-tool=getPetById] td.change", { hasText: "unchanged" }).waitFor();
  out.steps.againGetPetById = await page.locator("tr[data-tool=getPetById] td.change").innerText();
  await page.getByRole("link", { name: "See the tools" }).first().click().catch(() => {});
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.tools = await page.locator("table.tools tbody tr").allInnerTexts().catch(() => []);
  out.steps.toolsText = await page.locator("section.page").innerText();
  await shot("4-tools-after-import");
  // An imported tool's editor says what its binding does.
  await page.goto(new URL(`/tenants/${slug}/tools/getPetById`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.binding = await page.locator(".binding-summary").innerText();
  out.steps.bindingMarks = await page.locator(".binding-summary mark.argument").allInnerTexts();
  await shot("4b-imported-tool-binding");
  // The same admin gives the tenant's users a memory.
  await page.goto(new URL(`/tenants/${slug}`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.memoryBefore = await page.locator("p[data-memory]").innerText();
  await page.locator("#memory-notes").fill("0");
  await page.getByRole("button", { name: "Turn memory on" }).click();
  await page.locator("#memory-notes-error").filter({ hasText: /\w/ }).waitFor();
  out.steps.memoryRefusal = await page.locator("#memory-notes-error").innerText();
  await page.locator("#memory-notes").fill("5");
  await page.getByRole("button", { name: "Turn memory on" }).click();
  await page.locator("p[data-memory=true]").waitFor();
  out.steps.memory = await page.locator("p[data-memory]").innerText();
  await shot("5-memory-on");
} catch (e) {
  out.problems.push(`driver: ${e}`);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
