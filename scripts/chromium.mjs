// Where the browser for tests and benchmarks is, and how to start it on this kind of machine.
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

/** @returns {string} */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Exits with instructions when no browser is installed. */
export function requireChromium() {
  const path = chromiumPath();
  if (existsSync(path)) return path;
  console.error(
    `No Chromium found at ${path}.\n` +
      "Install Debian's Chromium (sudo apt-get update && sudo apt-get install -y chromium),\n" +
      'or point CHROMIUM_PATH at a Chromium/Chrome binary.'
  );
  process.exit(1);
}
