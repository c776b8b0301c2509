// Loads the admin UI in headless Chromium, waits for hydration, clicks
// "Refresh" (a server function round trip) and prints what it saw as JSON.
//
//   node admin-ui-smoke.mjs <base-url> <screenshot.png>
import { chromium } from "playwright-core";

const [base, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const out = { problems: [], serverFunctionCalls: 0 };
try {
  const page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && out.problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => out.problems.push(`page error: ${e}`));
  page.on("requestfailed", (r) => out.problems.push(`failed: ${r.url()}`));
  page.on("response", (r) => r.status() >= 400 && out.problems.push(`${r.status()}: ${r.url()}`));
  page.on("request", (r) => r.url().includes("/ui/fn/") && out.serverFunctionCalls++);
  await page.goto(base, { waitUntil: "networkidle" });
  out.rowsBefore = await page.locator("table.tenants tbody tr").allInnerTexts();
  await page.getByRole("button", { name: "Refresh" }).click();
  await page.waitForResponse((r) => r.url().includes("/ui/fn/"), { timeout: 10000 }).catch(() => {});
  await page.waitForLoadState("networkidle");
  out.rowsAfter = await page.locator("table.tenants tbody tr").allInnerTexts();
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  out.problems.push(`driver: ${e}`);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
