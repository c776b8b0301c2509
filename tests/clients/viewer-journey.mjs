// A viewer in the admin UI, in headless Chromium: sees the tenant, finds
// no controls to change it, is refused when forcing a change through the
// UI's own server function, and signs out. Prints what it saw as JSON.
//
//   node viewer-journey.mjs <sign-in-link> <tenant-slug> <screenshot-dir>
import { launch, watchProblems } from "./browser-user.mjs";

const [link, slug, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
watchProblems(page, out.problems);
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
try {
  await page.goto(link, { waitUntil: "networkidle" });
  out.steps.who = await page.locator(".session .who").innerText();
  await page.goto(new URL(`/tenants/${slug}`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.publishButtons = await page.getByRole("button", { name: "Publish" }).count();
  out.steps.overviewNote = await page.locator("p.role-note").innerText();
  out.steps.limitInputs = await page.locator("input[id^=limit-]").count();
  await shot("1-viewer-overview");
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.addToolButtons = await page.getByRole("button", { name: "Add tool" }).count();
  await shot("2-viewer-tools");
  // The other pages: what is there to see, and no way to change it.
  await page.goto(new URL(`/tenants/${slug}/auth`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.authControls = await page.getByRole("button", { name: /Save provider|Add scope|Add rule|Add role|Remove/ }).count();
  await shot("3-viewer-sign-in");
  await page.goto(new URL(`/tenants/${slug}/members`, page.url()).href, { waitUntil: "networkidle" });
  out.steps.members = await page.locator("table.members tbody tr").allInnerTexts();
  out.steps.memberControls = await page.getByRole("button", { name: /Invite|Make token|Remove|Revoke/ }).count();
  await shot("4-viewer-members");
  out.steps.forced = await page.evaluate(async (slug) => {
    const r = await fetch("/ui/fn/publish", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `slug=${encodeURIComponent(slug)}`,
    });
    return { status: r.status, body: await r.text() };
  }, slug);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/signin");
  // Asked outside the page, so the expected 401 is no console error.
  out.steps.afterSignOut = (await page.context().request.get(new URL("/api/v1/session", page.url()).href)).status();
  await shot("5-signed-out");
} catch (e) {
  out.problems.push(`driver: ${e}`);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
