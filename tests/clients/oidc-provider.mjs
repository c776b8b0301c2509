// A real OpenID Provider (npm `oidc-provider`, a certified implementation)
// for the edge's upstream login in tests. Any login name signs in (the dev
// interactions' password is ignored); the login is the subject and, when it
// looks like an address, the verified email ("unverified:<address>" gives
// the address with `email_verified: false`). Logins starting with "admin"
// are in the `mcp-admins` group.
//
// With OIDC_CLAIMS=userinfo it runs in the library's default, spec-conformant
// mode: the ID token carries only `sub` (and protocol claims), and `email`,
// `name` and `groups` come from the userinfo endpoint.
//
//   node oidc-provider.mjs <port> <client-id> <client-secret> <redirect-uri>...
// Prints one line, "ready <issuer>", once it listens.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  // Scope claims in the ID token too, as Google and most providers do —
  // unless asked for the conformant default.
  conformIdTokenClaims: process.env.OIDC_CLAIMS === "userinfo",
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        const unverified = id.startsWith("unverified:");
        const email = unverified ? id.slice("unverified:".length) : id;
        return {
          sub: id,
          name: email.split("@")[0],
          ...(email.includes("@") ? { email, email_verified: !unverified } : {}),
          groups: id.startsWith("admin") ? ["mcp-admins"] : [],
        };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["portcullis-test-cookie-key"] },
});
// Plain http on loopback is fine for a test issuer.
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
