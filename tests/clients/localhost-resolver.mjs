// `*.localhost` resolves to loopback (RFC 6761), as browsers and curl do;
// Node's resolver does not do that by itself, so we teach it here. Import it
// first, or preload it into any Node tool: NODE_OPTIONS="--import <this file>".
import dns from "node:dns";

const systemLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (typeof options === "number") options = { family: options };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return options?.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
  }
  return systemLookup(host, options, callback);
};
