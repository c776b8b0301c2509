// Runs the official conformance suite's authorization-server scenarios
// against a tenant's issuer, playing the user in Chromium when the suite
// asks for a browser (it prints the authorization URL and waits for its
// callback). Prints {"exitCode", "output"} as JSON.
//
//   node as-conformance.mjs <issuer> <client-id> <callback-port> <resource> <login>
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { launch, signIn } from "./browser-user.mjs";

const [issuer, clientId, port, resource, login] = process.argv.slice(2);
const here = fileURLToPath(new URL(".", import.meta.url));
const suite = spawn(
  `${here}node_modules/.bin/conformance`,
  ["authorization", "--url", issuer, "--client-id", clientId, "--port", port, "--resource", resource],
  { env: { ...process.env, NODE_OPTIONS: `--import ${here}localhost-resolver.mjs` } },
);
let output = "";
const browser = await launch();
const problems = [];
let userDone = Promise.resolve();
let pending = "";
suite.stderr.on("data", (d) => (output += d));
suite.stdout.on("data", (d) => {
  output += d;
  pending += d;
  const lines = pending.split("\n");
  pending = lines.pop();
  for (const line of lines) {
    if (/^https?:\/\/\S+\/authorize\?/.test(line.trim())) {
      userDone = (async () => {
        try {
          const page = await signIn(browser, line.trim(), login, { problems });
          await page.getByRole("button", { name: "Allow" }).click();
        } catch (e) {
          problems.push(`browser: ${e}`);
        }
      })();
    }
  }
});
const exitCode = await new Promise((resolve) => suite.on("exit", resolve));
await userDone;
await browser.close();
process.stdout.write(JSON.stringify({ exitCode, output, problems }) + "\n");
