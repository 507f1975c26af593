// `npm run explore [-- --port N]`: builds the debug wasm and the page, then serves the explorer.
import { parseArgs } from "node:util";
import { buildWeb } from "./build-web.mjs";
import { serveWeb } from "./serve-web.mjs";

const { values } = parseArgs({ options: { port: { type: "string", default: "5173" } } });
await buildWeb();
const { port } = await serveWeb(Number(values.port));
console.log(`refheap explorer: http://localhost:${port}/  (Ctrl-C to stop)`);
