// An admin binds a tool to a backend field by field, in headless Chromium:
// turns the HTTP binding on, types the URL template, sends one argument to
// the query and one as a header, types a bearer secret, asks for the signed
// user assertion (refused while both want Authorization, then given its own
// header), adds the tool; reopens it (the fields read back, the
// secret only as "saved"); points it at another origin without the secret
// and is told so next to the secret; moves it to an API-key header, types
// it, lets the tool act as the user and saves; then breaks the
// JSON and finds the fields waiting for it to be mended.
// Prints what it saw as JSON; screenshots each step.
//
//   node binding-journey.mjs <sign-in-link> <tenant-slug> <screenshot-dir>
import { launch, watchProblems } from "./browser-user.mjs";

const [link, slug, shots] = process.argv.slice(2);
const browser = await launch();
const out = { problems: [], steps: {} };
const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
watchProblems(page, out.problems);
const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
// A field's change is taken when it loses focus, as a person's would be.
const type = async (selector, text) => {
  await page.locator(selector).fill(text);
  await page.locator(selector).press("Tab");
};
try {
  await page.goto(link, { waitUntil: "networkidle" });
  await page.goto(new URL(`/tenants/${slug}/tools`, page.url()).href, { waitUntil: "networkidle" });
  await page.getByRole("button", { name: "Add tool" }).waitFor();
  await page.locator("#tool-name").fill("get_weather");
  await page.locator("#tool-description").fill("Current weather for a city");
  await page.locator("#tool-schema").fill(JSON.stringify({
    type: "object",
    properties: { city: { type: "string" }, units: { type: "string" }, trace_id: { type: "string" } },
    required: ["city"],
  }));
  await page.getByText("Call a backend instead (HTTP tool)").click();
  await page.locator("#tool-http-on").check();
  await page.locator("#tool-http-url").waitFor();
  await type("#tool-http-url", "https://api.acme.test/weather/{city}");
  await page.locator("#tool-http-place-units").selectOption("query");
  await page.locator("#tool-http-place-trace_id").selectOption("header");
  await type("#tool-http-header-trace_id", "X-Trace-Id");
  await page.locator("#tool-http-credential").selectOption("bearer");
  await type("#tool-http-credential-secret", "first-secret");
  await page.locator("#tool-http-assertion").check();
  await type("#tool-http-assertion-audience", "https://api.acme.test");
  out.steps.json = JSON.parse(await page.locator("#tool-http").inputValue());
  out.steps.summary = await page.locator(".binding-summary").innerText();
  await shot("1-binding-typed");
  // The assertion and the secret both want Authorization: refused, said
  // where the secret is chosen; the assertion moves to its own header.
  await page.getByRole("button", { name: "Add tool" }).click();
  await page.locator(".binding-fields p.field-error:visible").filter({ hasText: /authorization/ }).waitFor();
  out.steps.clash = await page.locator(".binding-fields p.field-error:visible").filter({ hasText: /authorization/ }).innerText();
  await type("#tool-http-assertion-header", "X-User-Assertion");
  out.steps.json = JSON.parse(await page.locator("#tool-http").inputValue());
  await page.getByRole("button", { name: "Add tool" }).click();
  await page.locator("[data-tool=get_weather]").waitFor();
  out.steps.clearedAfterAdd = await page.locator("#tool-http-on").isChecked();

  await page.goto(new URL(`/tenants/${slug}/tools/get_weather`, page.url()).href, { waitUntil: "networkidle" });
  await page.locator("#tool-http-url").waitFor();
  out.steps.reopened = {
    url: await page.locator("#tool-http-url").inputValue(),
    method: await page.locator("#tool-http-method").inputValue(),
    units: await page.locator("#tool-http-place-units").inputValue(),
    trace: await page.locator("#tool-http-place-trace_id").inputValue(),
    traceHeader: await page.locator("#tool-http-header-trace_id").inputValue(),
    scheme: await page.locator("#tool-http-credential").inputValue(),
    secret: await page.locator("#tool-http-credential-secret").inputValue(),
    secretPlaceholder: await page.locator("#tool-http-credential-secret").getAttribute("placeholder"),
    assertion: await page.locator("#tool-http-assertion").isChecked(),
    audience: await page.locator("#tool-http-assertion-audience").inputValue(),
    assertionHeader: await page.locator("#tool-http-assertion-header").inputValue(),
  };
  await shot("2-binding-reopened");
  // Another origin, the secret not typed again: refused next to the secret.
  await type("#tool-http-url", "https://elsewhere.acme.test/weather/{city}");
  await page.getByRole("button", { name: "Save tool" }).click();
  await page.locator("#tool-http-credential-secret-error").filter({ hasText: /\w/ }).waitFor();
  out.steps.secretRefusal = await page.locator("#tool-http-credential-secret-error").innerText();
  await shot("3-secret-asked-again");
  // The secret moves to an API-key header, so the user's own token can
  // take Authorization.
  await page.locator("#tool-http-credential").selectOption("header");
  await type("#tool-http-credential-secret", "second-secret");
  await page.locator("#tool-http-user-token").check();
  await page.getByRole("button", { name: "Save tool" }).click();
  await page.locator("p.saved").filter({ hasText: "Saved" }).waitFor();
  out.steps.saved = await page.locator("p.saved").innerText();
  out.steps.errorsAfterSave = await page.locator(".field-error").allInnerTexts();
  // A header name the edge will not send: refused next to the arguments.
  await type("#tool-http-header-trace_id", "Host");
  await page.getByRole("button", { name: "Save tool" }).click();
  await page.locator(".binding-fields p.field-error").filter({ hasText: /Host/ }).waitFor();
  out.steps.headerRefusal = await page.locator(".binding-fields p.field-error").filter({ hasText: /Host/ }).innerText();
  // Broken JSON: the fields step aside until it is mended.
  await page.getByText("The binding as JSON").click();
  await page.locator("#tool-http").fill("{\"method\": ");
  out.steps.fieldsWhileBroken = await page.locator("#tool-http-url").count();
  out.steps.jsonError = await page.locator("#tool-http-error").innerText();
  await shot("4-json-broken");
} catch (e) {
  out.problems.push(`driver: ${e}`);
  out.errorsShown = await page.locator(".field-error, p.error").allInnerTexts().catch(() => []);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
