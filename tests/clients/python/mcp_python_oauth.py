"""The official MCP Python SDK's OAuth client (`OAuthClientProvider`) through
a tenant's authorization server, as an app uses it: it registers itself
dynamically with a loopback redirect URI, hands the authorization URL to a
browser (headless Chromium, `../browser-approve.mjs`, signing in as
<login>), takes the code at its loopback listener, and connects.

    python mcp_python_oauth.py <mcp-url> <login> <edge.pem> <tool> <callback-port>

Trusts the tenant's certificate through SSL_CERT_FILE (set by the caller).
Prints what it saw as JSON.
"""

import asyncio
import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

import httpx2

# Resolves *.localhost to loopback, as browsers do (RFC 6761).
from mcp_python_client import describe, dump  # noqa: F401 (import patches the resolver)

from mcp import Client  # noqa: E402
from mcp.client.auth import OAuthClientProvider  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared.auth import (  # noqa: E402
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

HERE = os.path.dirname(os.path.abspath(__file__))


class MemoryStorage:
    def __init__(self):
        self.tokens = None
        self.client_info = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


async def run(url, login, edge_pem, tool, port):
    out = {}
    arrived = asyncio.get_running_loop().create_future()

    async def on_callback(reader, writer):
        request_line = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        body = b"You can close this window.\n"
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()
        target = request_line.split()[1].decode()
        if not arrived.done():
            arrived.set_result(parse_qs(urlsplit(target).query))

    listener = await asyncio.start_server(on_callback, "127.0.0.1", port)
    browser = None

    async def redirect_handler(authorization_url):
        nonlocal browser
        out["authorizationUrl"] = authorization_url
        browser = await asyncio.create_subprocess_exec(
            "node", os.path.join(HERE, "..", "browser-approve.mjs"), authorization_url, login, edge_pem
        )

    async def callback_handler():
        params = await asyncio.wait_for(arrived, 120)
        first = lambda name: (params.get(name) or [None])[0]  # noqa: E731
        out["redirect"] = sorted(params)
        return AuthorizationCodeResult(code=first("code"), state=first("state"), iss=first("iss"))

    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="Portcullis e2e (Python SDK)",
            redirect_uris=[f"http://127.0.0.1:{port}/callback"],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=MemoryStorage(),
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            async with Client(streamable_http_client(url, http_client=http), mode="auto") as client:
                out["protocolVersion"] = client.protocol_version
                out["serverName"] = client.server_info.name if client.server_info else None
                out["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
                out["call"] = dump(await client.call_tool(tool, {}))
    finally:
        listener.close()
        if browser is not None:
            out["browserExit"] = await asyncio.wait_for(browser.wait(), 60)
    return out


def main():
    url, login, edge_pem, tool, port = sys.argv[1:6]
    try:
        out = asyncio.run(run(url, login, edge_pem, tool, int(port)))
    except BaseException as e:  # noqa: BLE001 - reported to the test as data
        out = {"error": describe(e)}
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
