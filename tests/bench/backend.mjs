// The HTTP tools' backend for the side-by-side bench: answers
// `GET /weather/<city>` with JSON at once. Its own process, because the
// load driver blocks its event loop while wrk runs.
//
//   node backend.mjs <port>     prints "ready" once it listens
import http from "node:http";

const port = Number(process.argv[2]);
http
  .createServer((req, res) => {
    const city = decodeURIComponent(req.url.split("/").pop() ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ city, temperature: 21.5 }));
  })
  .listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
