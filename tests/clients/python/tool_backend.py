"""A tenant's backend for HTTP tools, on a loopback port, written with
Python's standard library only (not the edge's language or libraries).

It records exactly what each request carried, and answers by path:

  /weather/<city>   200 JSON {"city", "units", "temperature"}
  /orders           200 JSON echo of the JSON body it was sent
  /echo/<rest>      200 JSON of what it received (raw path, query, headers)
  /fail             500 "database on fire"
  /slow             answers after 5 s
  /big              200 with 10 000 bytes
  /_log             the requests recorded so far (not recorded itself)

Usage: python3 tool_backend.py <port>; prints "ready http://127.0.0.1:<port>".
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

LOG = []
LOCK = threading.Lock()


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
