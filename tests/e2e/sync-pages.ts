// For the sync journeys: the built app (`node build`) as a server the spec starts, stops and restarts
// over one data directory; a proxy per device in front of it (a device's network: cut it, or drop a
// push's answer and stop the server while the push is in flight); and page models of the sync UI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

async function waitForUp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The built app with its API, on PGlite in a temp data directory kept across restarts. */
export class AppServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'segments-sync-e2e-'));
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();

  constructor(readonly port: number) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['build'], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        BODY_SIZE_LIMIT: '20M'
      },
      stdio: ['ignore', 'inherit', 'inherit']
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitForUp(`${this.origin}/`, 120_000);
  }

  /** Stops the server the way a deployment does (SIGTERM), and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(killed);
    this.#child = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One device's network to the server: a proxy that can be cut, or can lose a push's answer. */
export class DeviceNetwork {
  #server: Server;
  /** No connection gets through (as with the cable pulled). */
  cut = false;
  /** Called when a push's answer comes back from the server: the answer is then dropped. */
  #onPushAnswered: (() => Promise<void>) | null = null;
  readonly pushes: number[] = [];

  constructor(
    readonly port: number,
    private readonly upstream: AppServer
  ) {
    this.#server = createServer((req, res) => {
      if (this.cut) {
        req.socket.destroy();
        return;
      }
      const isPush = req.method === 'POST' && req.url === '/api/sync/push';
      const forward = request(
        {
          host: '127.0.0.1',
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent: false
        },
        (answer) => {
          if (isPush) this.pushes.push(answer.statusCode ?? 0);
          const lose = isPush ? this.#onPushAnswered : null;
          if (lose) {
            this.#onPushAnswered = null;
            answer.resume();
            req.socket.destroy();
            void lose();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        }
      );
      forward.on('error', () => req.socket.destroy());
      req.pipe(forward);
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
  }

  /** The next push reaches the server and is applied, but its answer is lost; then `then` runs. */
  loseNextPushAnswer(then: () => Promise<void>): void {
    this.#onPushAnswered = then;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** The sync status button in the header and its panel. */
export class SyncStatusPanel {
  constructor(readonly page: Page) {}

  button() {
    return this.page.getByTestId('sync-status');
  }

  async open(): Promise<void> {
    if ((await this.button().getAttribute('aria-expanded')) !== 'true') await this.button().click();
    await expect(this.page.getByRole('region', { name: 'Sync' })).toBeVisible();
  }

  async close(): Promise<void> {
    if ((await this.button().getAttribute('aria-expanded')) === 'true') {
      await this.page.keyboard.press('Escape');
    }
  }

  /** Syncs by hand and waits for the outcome (earlier notices are dismissed first). */
  async syncNow(): Promise<void> {
    const done = this.page.getByText(/^Synced: \d+ changes? sent/);
    for (const notice of await this.page.locator('.notice').filter({ has: done }).all()) {
      await notice.getByRole('button', { name: 'Dismiss' }).click();
    }
    await this.open();
    await this.page
      .getByRole('region', { name: 'Sync' })
      .getByRole('button', { name: 'Sync now' })
      .click();
    await expect(this.page.getByText(/^Synced: \d+ changes? sent/)).toBeVisible({
      timeout: 30_000
    });
    await this.close();
  }

  conflictCopies() {
    return this.page.getByTestId('conflict-copy');
  }
}

export class SyncSettingsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/sync');
    await expect(this.page.getByRole('heading', { name: 'Sync', level: 1 })).toBeVisible();
  }

  /** The workspace's access token (the first sync makes a workspace). */
  async token(): Promise<string> {
    const field = this.page.getByTestId('access-token');
    await expect(field).toBeVisible({ timeout: 60_000 });
    return field.inputValue();
  }

  async workspaceName(): Promise<string> {
    return this.page.getByTestId('workspace-name').innerText();
  }

  async connect(token: string): Promise<void> {
    await this.page.getByLabel('Access token or connect link').fill(token);
    await this.page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(this.page.getByText(/This device is now connected to/)).toBeVisible({
      timeout: 30_000
    });
  }

  async nameDevice(name: string): Promise<void> {
    await this.page.getByLabel('Device name').fill(name);
    await this.page.getByRole('button', { name: 'Save name' }).click();
    await expect(this.page.getByText('Device name saved.')).toBeVisible();
  }
}
