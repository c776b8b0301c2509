// Two admins, each in their own browser context, edit the same tenant's
// rate limits from pages opened at the same version: the first save wins;
// the second is told someone else changed them, keeps what it typed, and
// after a reload sees the first admin's value and can save on top of it.
// Prints what it saw as JSON.
//
//   node conflict-journey.mjs <sign-in-link-a> <sign-in-link-b> <tenant-slug> <screenshot-dir>
import { launch, watchProblems } from "./browser-user.mjs";

const [linkA, linkB, slug, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const open = async (link) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watchProblems(page, out.problems);
  // A refused change is an answer (200); any error status is a fault.
  page.on("response", (r) => r.status() >= 400 && out.problems.push(`${r.status()}: ${r.url()}`));
  await page.goto(link, { waitUntil: "networkidle" });
  await page.goto(new URL(`/tenants/${slug}`, page.url()).href, { waitUntil: "networkidle" });
  return page;
};
const perIp = (page) => page.getByLabel("MCP requests per client IP");
try {
  const a = await open(linkA);
  const b = await open(linkB);
  out.steps.readByBoth = [await perIp(a).inputValue(), await perIp(b).inputValue()];

  await perIp(a).fill("50");
  await a.getByRole("button", { name: "Save limits" }).click();
  await a.getByRole("button", { name: "Use the defaults" }).waitFor({ timeout: 10000 });
  out.steps.savedByA = await perIp(a).inputValue();

  await perIp(b).fill("60");
  await b.getByRole("button", { name: "Save limits" }).click();
  const error = b.locator("form.limits p.error[role=alert]").filter({ hasText: /./ });
  await error.waitFor({ timeout: 10000 });
  out.steps.conflict = await error.innerText();
  out.steps.keptByB = await perIp(b).inputValue();
  await b.screenshot({ path: `${shots}/1-conflict.png`, fullPage: true });

  await Promise.all([
    b.waitForEvent("load"),
    b.getByRole("link", { name: "Reload to see their change" }).click(),
  ]);
  await b.waitForLoadState("networkidle");
  out.steps.afterReload = await perIp(b).inputValue();
  await perIp(b).fill("60");
  await Promise.all([
    b.waitForResponse((r) => r.url().includes("/ui/fn/save_limits")),
    b.getByRole("button", { name: "Save limits" }).click(),
  ]);
  await b.waitForLoadState("networkidle");
  out.steps.savedByB = await perIp(b).inputValue();
  out.steps.errorAfterSave = await b.locator("form.limits p.error[role=alert]").innerText();
  await b.screenshot({ path: `${shots}/2-saved-on-top.png`, fullPage: true });
} catch (e) {
  out.problems.push(`driver: ${e}`);
}
await browser.close();
console.log(JSON.stringify(out));
