// A user who signs in and allows, for clients that drive no browser of
// their own (the Python SDK's): opens the authorization URL in headless
// Chromium, signs in as <login>, presses Allow on the tenant's consent page
// and exits once the browser is back at the client's loopback redirect.
//
//   node browser-approve.mjs <authorization-url> <login> <edge.pem>
// Chromium trusts the tenant through the edge certificate's key (SPKI pin).
import { launch, signIn, spkiPin } from "./browser-user.mjs";

const [authorizationUrl, login, edgeCertFile] = process.argv.slice(2);
const browser = await launch([`--ignore-certificate-errors-spki-list=${spkiPin(edgeCertFile)}`]);
try {
  const page = await signIn(browser, authorizationUrl, login);
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((u) => u.hostname === "127.0.0.1" || u.hostname === "localhost");
} finally {
  await browser.close();
}
