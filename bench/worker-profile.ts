// CPU profiles of a page's workers (nested ones included) through the Chrome DevTools Protocol, for
// `bench/import.ts --profile`: where an import's threads spend their time, in Chromium itself.
import { writeFile } from 'node:fs/promises';
import type { CDPSession, Page } from 'playwright';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Attached {
  readonly sessionId: string;
  readonly name: string;
}

/**
 * Attaches to every worker of `page` (and their workers) in the old non-flattened mode, which leaves
 * Playwright's own sessions alone, and starts the sampling profiler in each.
 */
export class WorkerProfiler {
  #nextId = 1;
  readonly #pending = new Map<number, (result: unknown) => void>();
  readonly #workers: Attached[] = [];
  /** Between `start` and `stop`: workers that appear meanwhile are profiled from their start. */
  #running = false;

  private constructor(private readonly cdp: CDPSession) {}

  static async attach(page: Page): Promise<WorkerProfiler> {
    const cdp = await page.context().newCDPSession(page);
    const profiler = new WorkerProfiler(cdp);
    cdp.on('Target.attachedToTarget', (event) => void profiler.#onAttached(event));
    cdp.on('Target.detachedFromTarget', (event) => profiler.#detached(event.sessionId));
    cdp.on('Target.receivedMessageFromTarget', (event) =>
      profiler.#receive(event.message, event.sessionId)
    );
    await cdp.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false
    });
    return profiler;
  }

  /** A message from a worker session; a nested worker's messages arrive wrapped, once per level. */
  #receive(text: string, sessionId: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      result?: unknown;
      method?: string;
      params?: {
        sessionId: string;
        message: string;
        targetInfo: { type: string; title: string; url: string };
      };
    };
    if (message.method === 'Target.receivedMessageFromTarget' && message.params)
      this.#receive(message.params.message, message.params.sessionId);
    if (message.method === 'Target.attachedToTarget' && message.params)
      void this.#onAttached(message.params, sessionId);
    if (message.method === 'Target.detachedFromTarget' && message.params)
      this.#detached(message.params.sessionId);
    if (message.id !== undefined) {
      this.#pending.get(message.id)?.(message.result);
      this.#pending.delete(message.id);
    }
  }

  /** Worker sessions are addressed through their parent's: a path of session ids. */
  readonly #paths = new Map<string, string[]>();

  async #onAttached(
    event: { sessionId: string; targetInfo: { type: string; title: string; url: string } },
    parent?: string
  ): Promise<void> {
    const path = [...(parent ? (this.#paths.get(parent) ?? []) : []), event.sessionId];
    this.#paths.set(event.sessionId, path);
    const name = event.targetInfo.title || event.targetInfo.url;
    this.#workers.push({ sessionId: event.sessionId, name });
    await this.#send(event.sessionId, 'Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false
    }).catch(() => undefined);
    await this.#send(event.sessionId, 'Profiler.enable', {});
    await this.#send(event.sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
    if (this.#running) await this.#send(event.sessionId, 'Profiler.start', {});
  }

  #detached(sessionId: string): void {
    const i = this.#workers.findIndex((w) => w.sessionId === sessionId);
    if (i >= 0) this.#workers.splice(i, 1);
  }

  /** Sends `method` to the session at the end of its path, wrapping once per nesting level. */
  #send(sessionId: string, method: string, params: object): Promise<unknown> {
    const id = this.#nextId++;
    const path = this.#paths.get(sessionId) ?? [sessionId];
    let message = JSON.stringify({ id, method, params });
    for (let i = path.length - 1; i >= 1; i--)
      message = JSON.stringify({
        id: this.#nextId++,
        method: 'Target.sendMessageToTarget',
        params: { sessionId: path[i], message }
      });
    return new Promise<unknown>((resolve) => {
      this.#pending.set(id, resolve);
      // A worker that went away with its page answers nothing.
      this.cdp
        .send('Target.sendMessageToTarget', { sessionId: path[0], message })
        .catch(() => resolve(undefined));
    });
  }

  async start(): Promise<void> {
    this.#running = true;
    await this.cdp.send('Profiler.enable');
    await this.cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await this.cdp.send('Profiler.start');
    await Promise.all(this.#workers.map((w) => this.#send(w.sessionId, 'Profiler.start', {})));
  }

  /** Stops every profile, writes each as `<prefix>-<worker>.cpuprofile`, returns a summary. */
  async stop(prefix: string): Promise<string> {
    this.#running = false;
    const lines: string[] = [];
    const { profile: main } = (await this.cdp.send('Profiler.stop')) as { profile: Profile };
    await writeFile(`${prefix}-main.cpuprofile`, JSON.stringify(main));
    lines.push('-- main thread', ...summarise(main), ...longestStretch(main));
    for (const w of this.#workers) {
      const result = (await Promise.race([
        this.#send(w.sessionId, 'Profiler.stop', {}),
        new Promise((r) => setTimeout(() => r(undefined), 10_000))
      ])) as { profile?: Profile } | undefined;
      if (!result?.profile) continue;
      const label = w.name.replace(/[^\w.-]+/g, '_').slice(-40);
      await writeFile(`${prefix}-${label}.cpuprofile`, JSON.stringify(result.profile));
      lines.push(`-- ${w.name}`, ...summarise(result.profile), ...longestStretch(result.profile));
    }
    return lines.join('\n');
  }
}

/** A thread's longest run of samples outside idle, and where it spent that time. */
function longestStretch(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const idle = (i: number) => {
    const name = byId.get(profile.samples[i])?.callFrame.functionName;
    return name === '(idle)' || name === '(program)';
  };
  let best = { ms: 0, from: 0, to: 0 };
  let start = 0;
  let ms = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (idle(i)) {
      ms = 0;
      start = i + 1;
      continue;
    }
    ms += (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (ms > best.ms) best = { ms, from: start, to: i };
  }
  const self = new Map<string, number>();
  for (let i = best.from; i <= best.to; i++) {
    const f = byId.get(profile.samples[i])?.callFrame;
    const key = `${f?.functionName || '(anonymous)'} ${f?.url.split('/').pop() ?? ''}:${(f?.lineNumber ?? 0) + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [
    `   longest busy stretch ${best.ms.toFixed(0)} ms:`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, t]) => `   ${t.toFixed(0).padStart(6)} ms  ${k}`)
  ];
}

/** Self time per function, top 25, in ms. */
function summarise(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    const f = node.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const idle = (self.get('(idle) :0') ?? 0) + (self.get('(program) :0') ?? 0);
  return [
    `   total ${total.toFixed(0)} ms (idle/program ${idle.toFixed(0)} ms)`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, ms]) => `   ${ms.toFixed(0).padStart(6)} ms  ${k}`)
  ];
}
