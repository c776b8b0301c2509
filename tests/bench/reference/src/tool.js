// The one tool every reference Worker serves: the same name, schema and
// answer as the bench tenants' `echo` on the Portcullis side.
import * as z from "zod";

export function registerEcho(server) {
  server.registerTool(
    "echo",
    { description: "Answers at once", inputSchema: z.object({ city: z.string().min(2) }) },
    async () => ({ content: [{ type: "text", text: "sunny" }] }),
  );
}
