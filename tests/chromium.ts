// The one place the browser tests find and launch a headless Chromium (tests/explorer.test.ts and
// any other page test): $CHROMIUM, else a system chromium, else the one inside the
// @sparticuz/chromium devDependency (scripts/chromium.mjs), so `npm ci && npm test` needs nothing else.
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM_ARGS, findChromium as locate } from "../scripts/chromium.mjs";

export function findChromium(): Promise<string> {
  return locate();
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await locate(), args: CHROMIUM_ARGS });
}
