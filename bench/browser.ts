// What the Chromium benchmarks share: the generated data files, the built app, its server, and a
// headless Chromium. Each benchmark calls `openApp` and closes what it returns.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { CHROMIUM_ARGS, chromiumPath, requireChromium } from '../scripts/chromium.mjs';

/** `--name value` from the command line as a number, or the fallback. */
export function numberArg(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** The generated files for a size (the same seed and clock for every benchmark), made once. */
export function benchData(customers: number, events: number): string {
  const out = resolve(`bench/out/import-${customers}-${events}`);
  if (existsSync(`${out}/customers.csv`) && existsSync(`${out}/events.csv`)) return out;
  const r = spawnSync(
    'npx',
    [
      'tsx',
      'scripts/generate.ts',
      ...['--customers', String(customers), '--events', String(events)],
      ...['--out', out, '--seed', '7', '--now', '2026-11-01']
    ],
    { stdio: 'inherit' }
  );
  if (r.status !== 0) throw new Error('generating the benchmark data failed');
  return out;
}

/** Builds the app when there is no build (an existing build is used as is: rebuild after changes). */
function ensureBuild(): void {
  if (existsSync('build/index.js')) return;
  const r = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed');
}

async function startServer(port: number): Promise<ChildProcess> {
  const server = spawn('node', ['build'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore'
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return server;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error('the server did not start');
}

export interface App {
  readonly browser: Browser;
  readonly baseURL: string;
  close(): Promise<void>;
}

/** The built app served on `port` and a headless Chromium to drive it. */
export async function openApp(port: number): Promise<App> {
  requireChromium();
  ensureBuild();
  const server = await startServer(port);
  try {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    return {
      browser,
      baseURL: `http://127.0.0.1:${port}`,
      async close() {
        await browser.close();
        server.kill();
      }
    };
  } catch (error) {
    server.kill();
    throw error;
  }
}
