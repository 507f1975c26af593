// `node --import <tsx> --import tests/snippets/register.mjs block.ts`: a block imports `refheap`
// as a user's code does, and gets this checkout's sources (see hooks.mjs).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
