// The user's part of an authorization, in headless Chromium: pick a sign-in
// option on the edge's chooser (when there is one), sign in at the identity
// provider (the oidc-provider dev pages and the GitHub stand-in share the
// `login`/`password` form), pass the provider's own consent, and stop at the
// first page the edge shows afterwards (its consent page or an error).
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

/// The SHA-256 of a certificate's public key (base64), for Chromium's
/// `--ignore-certificate-errors-spki-list`: trusts that one key, nothing else.
export function spkiPin(certFile) {
  const key = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(key).digest("base64");
}

/// `extraArgs`: more Chromium flags (say, the one certificate key to trust).
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", ...extraArgs],
  });
}

/// Collects into `problems` what a page must not show: console errors,
/// uncaught exceptions and requests that failed.
export function watchProblems(page, problems) {
  // The browser's own favicon fetch is not the page's doing.
  const own = (m) => !(m.location()?.url ?? "").endsWith("/favicon.ico");
  page.on("console", (m) => m.type() === "error" && own(m) && problems.push(`console: ${m.text()} (${m.location()?.url})`));
  page.on("pageerror", (e) => problems.push(`page error at ${page.url()}: ${e}`));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
}

/// Opens `authorizationUrl` and signs in as `login`, choosing the option
/// named `choice` on a chooser page. Returns the page, on the edge.
export async function signIn(browser, authorizationUrl, login, { choice, problems, navigations } = {}) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => problems?.push(`page error: ${e}`));
  page.on("framenavigated", (f) => f === page.mainFrame() && navigations?.push(f.url()));
  const edge = new URL(authorizationUrl).origin;
  await page.goto(authorizationUrl);
  if (choice) await page.getByRole("link", { name: `Continue with ${choice}` }).click();
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any");
  await page.locator("button[type=submit]").click();
  await page.waitForLoadState();
  // oidc-provider asks for its own consent once.
  if (new URL(page.url()).origin !== edge && (await page.locator("button[type=submit]").count())) {
    await page.locator("button[type=submit]").first().click();
  }
  await page.waitForURL((u) => u.origin === edge);
  await page.waitForLoadState();
  return page;
}
