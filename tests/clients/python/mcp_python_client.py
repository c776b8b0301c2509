"""Drives the official MCP Python SDK client (PyPI `mcp`) against one URL and
prints what it saw as JSON, for the Rust e2e tests to assert.

    python mcp_python_client.py <url> <modern|legacy|sse> <tool> <arguments-json>

modern: `mcp.Client` negotiating with `server/discover` (2026-07-28);
legacy: `mcp.Client` in legacy mode (`initialize`, Streamable HTTP);
in both, the client can answer elicitations (with the name "Py"), and
`asked` is the result of the fixture's tool that asks for a name;
sse:    `ClientSession` over the deprecated HTTP+SSE transport (`/sse`).
*.localhost resolves to loopback here as browsers do (RFC 6761).
"""

import asyncio
import json
import socket
import sys

_system_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and (name == "localhost" or name.endswith(".localhost")):
        host = "127.0.0.1"
    return _system_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

from mcp import Client, ClientSession, types  # noqa: E402
from mcp.client.sse import sse_client  # noqa: E402

ASKING_TOOL = "test_input_required_result_elicitation"


async def answer_elicitation(context, params):
    """The user types "Py" into whatever form the server asks to show."""
    return types.ElicitResult(action="accept", content={"name": "Py"})


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def run(url, mode, tool, arguments):
    out = {}
    if mode == "sse":
        async with sse_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                out["protocolVersion"] = init.protocol_version
                out["serverName"] = init.server_info.name
                out["tools"] = [t.name for t in (await session.list_tools()).tools]
                out["call"] = dump(await session.call_tool(tool, arguments))
                out["resources"] = [r.uri for r in (await session.list_resources()).resources]
        return out
    async with Client(
        url,
        mode="auto" if mode == "modern" else "legacy",
        elicitation_callback=answer_elicitation,
    ) as client:
        out["protocolVersion"] = client.protocol_version
        out["serverName"] = client.server_info.name if client.server_info else None
        out["tools"] = [t.name for t in (await client.list_tools()).tools]
        out["call"] = dump(await client.call_tool(tool, arguments))
        out["resources"] = [str(r.uri) for r in (await client.list_resources()).resources]
        if ASKING_TOOL in out["tools"]:
            out["asked"] = dump(await client.call_tool(ASKING_TOOL, {}))
    return out


def describe(e):
    """The innermost causes, not just "unhandled errors in a TaskGroup"."""
    inner = getattr(e, "exceptions", None)
    if inner:
        return "; ".join(describe(x) for x in inner)
    return f"{type(e).__name__}: {e}"


def main():
    url, mode, tool, arguments = sys.argv[1:5]
    try:
        out = asyncio.run(run(url, mode, tool, json.loads(arguments)))
    except BaseException as e:  # noqa: BLE001 - reported to the test as data
        out = {"error": describe(e)}
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
