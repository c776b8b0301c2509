// DEVELOPMENT ONLY. A real OpenID Provider (npm `oidc-provider`) for the
// local stack, so a newcomer can sign in to an OAuth tenant without a GitHub
// app or an identity provider of their own. It accepts ANY login with any
// password: never expose it beyond loopback, never use it in production.
//
// A few example users carry groups for the demo tenant's rules; any other
// login that looks like an address signs in with it as a verified email.
//
//   DEV_IDP_PORT=8790 DEV_IDP_CLIENT_ID=… DEV_IDP_CLIENT_SECRET=… \
//   DEV_IDP_REDIRECT_URIS="https://demo.mcp.localhost:8787/oauth/callback" node server.mjs
// Prints one line, "ready <issuer>", once it listens on 127.0.0.1.
import Provider from "oidc-provider";

export const USERS = {
  "alice@example.test": { name: "Alice Example", groups: ["engineering"] },
  "bob@example.test": { name: "Bob Example", groups: ["support"] },
  "admin@example.test": { name: "Admin Example", groups: ["mcp-admins"] },
};

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`dev identity provider: ${name} is required\n`);
    process.exit(2);
  }
  return value;
};

const port = Number(process.env.DEV_IDP_PORT || 8790);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env("DEV_IDP_CLIENT_ID"),
      client_secret: env("DEV_IDP_CLIENT_SECRET"),
      redirect_uris: env("DEV_IDP_REDIRECT_URIS").split(/\s+/).filter(Boolean),
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
  async findAccount(_ctx, login) {
    const known = USERS[login];
    const email = login.includes("@") ? login : undefined;
    return {
      accountId: login,
      async claims() {
        return {
          sub: login,
          name: known?.name ?? login.split("@")[0],
          ...(email ? { email, email_verified: true } : {}),
          groups: known?.groups ?? [],
        };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: [env("DEV_IDP_CLIENT_SECRET")] },
});
provider.proxy = false;

// Every page says what this is.
const examples = Object.entries(USERS)
  .map(([login, u]) => `${login} (${u.groups.join(", ")})`)
  .join(", ");
const banner =
  `<p><strong>Portcullis development identity provider — for local use only.</strong> ` +
  `Any login signs in and the password is ignored. Try ${examples}.</p>`;
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === "string" && ctx.type?.includes("html")) {
    ctx.body = ctx.body.replace(/<body([^>]*)>/, (open) => `${open}${banner}`);
  }
});

provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
