// The official "everything" MCP server (npm @modelcontextprotocol/server-everything)
// over Streamable HTTP, held to loopback: its own code listens on every
// interface, so `listen` is pinned to 127.0.0.1 here. Prints
// `ready <endpoint URL>` once it listens.
//
//   node upstream-everything.mjs <port>
import http from "node:http";

const port = Number(process.argv[2]);
// Its progress lines go to stderr: stdout carries the ready line only.
console.log = (...args) => console.error(...args);
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (_port, ...rest) {
  const done = rest.find((f) => typeof f === "function");
  return listen.call(this, port, "127.0.0.1", () => {
    process.stdout.write(`ready http://127.0.0.1:${port}/mcp\n`);
    done?.();
  });
};
process.env.PORT = String(port);
await import("@modelcontextprotocol/server-everything/dist/transports/streamableHttp.js");
