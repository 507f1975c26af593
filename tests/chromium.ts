// The one place the browser tests find and launch a headless Chromium (tests/explorer.test.ts and
// any other page test): CHROMIUM if set, else Debian's /usr/bin/chromium.
import { chromium, type Browser } from "playwright-core";
import { existsSync } from "node:fs";

export function findChromium(): string {
  const path = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(path)) throw new Error(`Chromium not found at ${path} (install Debian's chromium, or set CHROMIUM)`);
  return path;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
