// A stand-in for GitHub's OAuth app endpoints and REST API, speaking their
// wire format (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps,
// /rest/users/users, /rest/users/emails, /rest/orgs/orgs): GitHub.com itself
// cannot be reached from tests. One server plays both github.com and
// api.github.com (as GitHub Enterprise Server does under one host).
//
//   node github-standin.mjs <port> <client-id> <client-secret>
// Users: any login signs in; "octocat" is in the "acme" organisation and has
// a verified octocat@acme.com; everyone else belongs to no organisation.
// With GITHUB_TOKEN_SECONDS set, user tokens expire after that long and come
// with refresh tokens, as a GitHub App's user-to-server tokens do; POST
// /_refuse-renewal makes every later renewal fail (bad_refresh_token), and
// GET /_renewals counts the renewals so far. Prints "ready <base-url>".
import http from "node:http";
import crypto from "node:crypto";

const [port, clientId, clientSecret] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const codes = new Map(); // code -> {login, redirectUri, challenge}
const tokens = new Map(); // token -> login
const refreshTokens = new Map(); // refresh token -> login
const expiresIn = Number(process.env.GITHUB_TOKEN_SECONDS ?? 0);
let refuseRenewal = false;
let renewals = 0;

/// A new user token for `login`, with a refresh token when tokens expire.
function issue(login) {
  const token = `ghu_${crypto.randomBytes(18).toString("base64url")}`;
  tokens.set(token, login);
  const answer = { access_token: token, token_type: "bearer", scope: "read:org,read:user,user:email" };
  if (expiresIn) {
    const refresh = `ghr_${crypto.randomBytes(18).toString("base64url")}`;
    refreshTokens.set(refresh, login);
    Object.assign(answer, { expires_in: expiresIn, refresh_token: refresh, refresh_token_expires_in: 15897600 });
    setTimeout(() => tokens.delete(token), expiresIn * 1000).unref();
  }
  return answer;
}

const user = (login) => ({
  login,
  id: 1000 + [...login].reduce((n, c) => n + c.charCodeAt(0), 0),
  node_id: "MDQ6VXNlcjE=",
  avatar_url: `https://avatars.githubusercontent.com/u/1?v=4`,
  type: "User",
  site_admin: false,
  name: login === "octocat" ? "The Octocat" : login,
  email: null,
});
const emails = (login) => [
  { email: `${login}@${login === "octocat" ? "acme.com" : "users.noreply.github.com"}`, primary: true, verified: true, visibility: "private" },
];
const orgs = (login) => (login === "octocat" ? [{ login: "acme", id: 42, node_id: "MDEyOk9yZ2FuaXphdGlvbjQy", description: "" }] : []);

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(data));
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, base);
  if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
    const q = url.searchParams;
    if (q.get("client_id") !== clientId) return json(res, 404, { message: "Not Found" });
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(`<!doctype html><title>Sign in to GitHub</title><form method="post" action="/session">
<input type="hidden" name="q" value="${encodeURIComponent(url.search)}">
<label>Username <input name="login"></label><label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form>`);
  }
  if (req.method === "POST" && url.pathname === "/session") {
    const form = new URLSearchParams(await readBody(req));
    const q = new URLSearchParams(decodeURIComponent(form.get("q")));
    const code = crypto.randomBytes(10).toString("hex");
    codes.set(code, { login: form.get("login"), redirectUri: q.get("redirect_uri"), challenge: q.get("code_challenge") });
    const back = new URL(q.get("redirect_uri"));
    back.searchParams.set("code", code);
    if (q.get("state")) back.searchParams.set("state", q.get("state"));
    res.writeHead(302, { location: back.toString() });
    return res.end();
  }
  if (req.method === "POST" && url.pathname === "/_refuse-renewal") {
    refuseRenewal = true;
    return json(res, 200, { refuseRenewal });
  }
  if (req.method === "GET" && url.pathname === "/_renewals") return json(res, 200, { renewals });
  if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
    const form = new URLSearchParams(await readBody(req));
    const grant = codes.get(form.get("code"));
    codes.delete(form.get("code"));
    // GitHub answers token errors with 200 and an error body.
    const error = (e, d) => json(res, 200, { error: e, error_description: d, error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" });
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret)
      return error("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
    if (form.get("grant_type") === "refresh_token") {
      const login = refreshTokens.get(form.get("refresh_token"));
      refreshTokens.delete(form.get("refresh_token"));
      if (!login || refuseRenewal) return error("bad_refresh_token", "The refresh token passed is incorrect or expired.");
      renewals += 1;
      return json(res, 200, issue(login));
    }
    if (!grant || grant.redirectUri !== form.get("redirect_uri")) return error("bad_verification_code", "The code passed is incorrect or expired.");
    const verifier = form.get("code_verifier") ?? "";
    if (grant.challenge && crypto.createHash("sha256").update(verifier).digest("base64url") !== grant.challenge)
      return error("bad_verification_code", "The code passed is incorrect or expired.");
    const issued = issue(grant.login);
    if (!(req.headers.accept ?? "").includes("application/json")) {
      res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" });
      return res.end(new URLSearchParams(Object.entries(issued).map(([k, v]) => [k, String(v)])).toString());
    }
    return json(res, 200, issued);
  }
  // The REST API: a token and a User-Agent are required, as on GitHub.
  if (req.method === "GET" && ["/user", "/user/emails", "/user/orgs"].includes(url.pathname)) {
    if (!req.headers["user-agent"])
      return json(res, 403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header." });
    const auth = req.headers.authorization ?? "";
    const login = tokens.get(auth.replace(/^(Bearer|token) /i, ""));
    if (!login) return json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    if (url.pathname === "/user") return json(res, 200, user(login));
    if (url.pathname === "/user/emails") return json(res, 200, emails(login));
    return json(res, 200, orgs(login));
  }
  json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
});
server.listen(Number(port), "127.0.0.1", () => process.stdout.write(`ready ${base}\n`));
