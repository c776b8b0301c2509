"""A tenant's backend for HTTP tools, on a loopback port, written with
Python's standard library and PyJWT (not the edge's language or libraries).

It records exactly what each request carried, and answers by path:

  /weather/<city>   200 JSON {"city", "units", "temperature"}
  /orders           200 JSON echo of the JSON body it was sent
  /echo/<rest>      200 JSON of what it received (raw path, query, headers)
  /petstore/…       the Swagger Petstore's pet by id; else what it received
  /fail             500 "database on fire"
  /slow             answers after 5 s
  /big              200 with 10 000 bytes
  /whoami           the user assertion (`Authorization: Bearer` or
                    `X-User`), verified with PyJWT against the trusted
                    issuer's JWKS: 200 with its claims, else 401 saying why
  /_trust           POST {"issuer", "audience": [...]}: whom /whoami trusts
  /_check           POST {"token", "issuer", "audience"}: verifies a token now
  /_log             the requests recorded so far
  (the /_ paths are the test's, not recorded)

Usage: python3 tool_backend.py <port>; prints "ready http://127.0.0.1:<port>".
"""

import http.client
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import jwt

LOG = []
LOCK = threading.Lock()
TRUST = {"issuer": None, "audience": []}


def jwks_of(issuer):
    """The issuer's key set, fetched afresh (no cache: a test rotates keys).
    *.localhost is loopback (RFC 6761), which Python's resolver does not
    know, so the request goes to 127.0.0.1 with the issuer's Host."""
    parts = urlsplit(issuer)
    host = parts.hostname or ""
    target = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    conn = http.client.HTTPConnection(target, parts.port or 80, timeout=5)
    conn.request("GET", "/.well-known/jwks.json", headers={"host": parts.netloc})
    answer = conn.getresponse()
    if answer.status != 200:
        raise jwt.InvalidTokenError(f"the issuer's JWKS answered {answer.status}")
    return json.loads(answer.read())


def verify(token, issuer, audience):
    """PyJWT's own check: signature by a key the issuer lists, issuer,
    audience, expiry; every claim the edge promises present."""
    kid = jwt.get_unverified_header(token).get("kid")
    keys = [k for k in jwks_of(issuer).get("keys", []) if k.get("kid") == kid]
    if not keys:
        raise jwt.InvalidTokenError(f"key {kid!r} is not in the issuer's JWKS")
    key = jwt.PyJWK.from_dict(keys[0])
    return jwt.decode(
        token,
        key=key.key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=issuer,
        options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
    )


class Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        parts = urlsplit(self.path)
        seen = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        if parts.path == "/_log":
            with LOCK:
                return self.answer(200, LOG)
        if parts.path == "/_trust":
            TRUST.update(json.loads(body))
            return self.answer(200, TRUST)
        if parts.path == "/_check":
            asked = json.loads(body)
            try:
                claims = verify(asked["token"], asked["issuer"], asked["audience"])
                return self.answer(200, {"ok": True, "claims": claims})
            except Exception as e:  # every refusal, in words
                return self.answer(200, {"ok": False, "error": f"{type(e).__name__}: {e}"})
        with LOCK:
            LOG.append(seen)
        if parts.path.startswith("/weather/"):
            city = unquote(parts.path[len("/weather/"):])
            units = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("units")
            return self.answer(200, {"city": city, "units": units, "temperature": 21.5})
        if parts.path == "/orders":
            return self.answer(200, json.loads(body or "{}"))
        if parts.path.startswith("/echo/"):
            return self.answer(200, seen)
        if parts.path.startswith("/petstore/pet/") and self.command == "GET":
            pet = unquote(parts.path[len("/petstore/pet/"):])
            if pet.isdigit():
                return self.answer(200, {"id": int(pet), "name": "doggie", "photoUrls": []})
        if parts.path.startswith("/petstore/"):
            return self.answer(200, seen)
        if parts.path == "/whoami":
            bearer = seen["headers"].get("authorization", "")
            token = seen["headers"].get("x-user") or bearer.removeprefix("Bearer ")
            try:
                claims = verify(token, TRUST["issuer"], TRUST["audience"])
            except Exception as e:
                return self.answer(401, f"assertion refused: {type(e).__name__}: {e}".encode(), "text/plain")
            return self.answer(200, {"claims": claims})
        if parts.path == "/fail":
            return self.answer(500, b"database on fire", "text/plain")
        if parts.path == "/slow":
            time.sleep(5)
            return self.answer(200, b"too late", "text/plain")
        if parts.path == "/big":
            return self.answer(200, b"x" * 10_000, "text/plain")
        return self.answer(404, b"no such thing", "text/plain")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Backend)
    print(f"ready http://127.0.0.1:{port}", flush=True)
    server.serve_forever()
