// An admin signing in to the control plane in headless Chromium, through
// its OpenID Connect sign-in (the identity provider's login and consent
// pages), then asking the API who they are. Prints what it saw as JSON.
//
//   node admin-sign-in.mjs <control-plane>/auth/oidc/start <login>
import { launch, signIn } from "./browser-user.mjs";

const [start, login] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [] };
try {
  const page = await signIn(browser, start, login, { problems: out.problems });
  out.url = page.url();
  out.text = (await page.locator("body").innerText()).slice(0, 500);
  out.session = await page.evaluate(async () => {
    const r = await fetch("/api/v1/session");
    return { status: r.status, body: await r.json().catch(() => null) };
  });
} catch (e) {
  out.problems.push(`driver: ${e}`);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
