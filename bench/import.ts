// Import benchmark in the built app: headless Chromium imports generated customers and events through the
// UI (worker: parse, validate, dedupe, store), and in the same run PapaParse alone parses the same files
// in a worker of the same page. Prints rows/s for both, their ratio, the longest main-thread task during
// the imports, and the time to first paint of the customers table after a reload with the data stored.
// Options: --rounds N, --port P, --customers N --events M, --kinds customers|events, --profile.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright';
import { benchData, numberArg, openApp } from './browser';
import { WorkerProfiler } from './worker-profile';

type Kind = 'customers' | 'events';

interface Options {
  rounds: number;
  customers: number;
  events: number;
  port: number;
  /** `--profile`: CPU profiles of the workers during each import, written to bench/out. */
  profile: boolean;
  /** `--kinds customers`: import only these files (events need their customers only for counts). */
  kinds: readonly Kind[];
}

function parseArgs(argv: string[]): Options {
  const kinds = argv.includes('--kinds') ? argv[argv.indexOf('--kinds') + 1].split(',') : [];
  return {
    rounds: Math.max(1, numberArg(argv, 'rounds', 2)),
    customers: numberArg(argv, 'customers', 100_000),
    events: numberArg(argv, 'events', 1_000_000),
    port: numberArg(argv, 'port', 4388),
    profile: argv.includes('--profile'),
    kinds: (['customers', 'events'] as const).filter((k) => kinds.length === 0 || kinds.includes(k))
  };
}

/** PapaParse in chunk mode, no header objects, no dynamicTyping: the reference throughput. */
const PAPA_WORKER = `importScripts('/__bench/papaparse.js');
onmessage = (e) => {
  const t0 = performance.now();
  let rows = 0;
  Papa.parse(e.data, {
    chunkSize: 4 * 1024 * 1024,
    chunk: (r) => { rows += r.data.length; },
    complete: () => postMessage({ rows: rows - 1, seconds: (performance.now() - t0) / 1000 })
  });
};`;

/** PapaParse alone over a file, in a worker of the page (as the import runs in a worker). */
async function papaParseOnly(page: Page, path: string): Promise<{ rows: number; seconds: number }> {
  await page.setInputFiles('#bench-file', path);
  return page.evaluate(async () => {
    const input = document.querySelector<HTMLInputElement>('#bench-file');
    const file = input?.files?.[0];
    if (!file) throw new Error('no file');
    // A worker from an http: URL: PapaParse treats blob: workers as its own and posts results away.
    const worker = new Worker('/__bench/papa-worker.js');
    const result = await new Promise<{ rows: number; seconds: number }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage(file);
    });
    worker.terminate();
    return result;
  });
}

/** Imports a file through the UI; seconds from clicking Import to the report. */
async function importThroughUi(
  page: Page,
  path: string,
  hooks: { before(): Promise<void> | undefined; after(): Promise<void> }
): Promise<{ rows: number; seconds: number; durations: string }> {
  await page.goto('/import');
  await page.getByLabel(/Choose a CSV file/).setInputFiles(path);
  await page.getByTestId('column-mapping').waitFor({ timeout: 120_000 });
  await hooks.before();
  // Only the import's tasks count: the page's own start-up (a navigation just happened) is not one.
  await page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks = []));
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-report').waitFor({ timeout: 600_000 });
  const seconds = (Date.now() - t0) / 1000;
  await hooks.after();
  const rowsText = await page.getByTestId('import-report').locator('li').first().innerText();
  const shown = await page.getByTestId('import-durations').innerText();
  // Which thread limited the reading: busy seconds of the parsing thread and of the storing one.
  const busy = await page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('segments');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('imports').objectStore('imports').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => {
            type Record = {
              startedAt: number;
              durations?: { readerBusyMs?: number; stagingMs?: number; writesMs?: number };
            };
            const last = (all.result as Record[]).sort((a, b) => b.startedAt - a.startedAt)[0];
            const d = last?.durations;
            open.result.close();
            resolve(
              d?.readerBusyMs === undefined
                ? ''
                : ` (of reading: parsing thread busy ${(d.readerBusyMs / 1000).toFixed(1)} s, staging ${((d.stagingMs ?? 0) / 1000).toFixed(1)} s, writes ${((d.writesMs ?? 0) / 1000).toFixed(1)} s)`
            );
          };
        };
      })
  );
  return { rows: Number(rowsText.replace(/[^0-9]/g, '')), seconds, durations: shown + busy };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

interface Round {
  parse: Record<Kind, { rows: number; seconds: number }>;
  imported: Record<Kind, { rows: number; seconds: number; durations: string }>;
  longestTask: number;
  calibrated: boolean;
  firstPaint: number;
  loadTiming: string;
}

/** One round in a fresh browser context (empty storage): PapaParse alone, then the app's import. */
async function round(
  browser: Browser,
  baseURL: string,
  o: Options,
  out: string,
  papa: Buffer,
  index: number
): Promise<Round> {
  const context = await browser.newContext({ baseURL });
  try {
    await context.route('**/__bench/papaparse.js', (route) =>
      route.fulfill({ body: papa, contentType: 'text/javascript' })
    );
    await context.route('**/__bench/papa-worker.js', (route) =>
      route.fulfill({ body: PAPA_WORKER, contentType: 'text/javascript' })
    );
    await context.addInitScript(() => {
      const w = window as unknown as { __longTasks: number[]; __firstRowAt?: number };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
      new MutationObserver((_, observer) => {
        if (document.querySelector('tbody tr.row td a')) {
          w.__firstRowAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await page.goto('/');
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'bench-file';
      document.body.append(input);
    });
    const files = { customers: `${out}/customers.csv`, events: `${out}/events.csv` };
    const none = { rows: 0, seconds: 0, durations: '' };
    const parse: Round['parse'] = { customers: none, events: none };
    for (const kind of o.kinds) parse[kind] = await papaParseOnly(page, files[kind]);
    // Calibration: a deliberate 150 ms task must be seen, or the long-task figure means nothing.
    const calibrated = await page.evaluate(async () => {
      const w = window as unknown as { __longTasks: number[] };
      // A page task (evaluate's own task is not reported as a long task).
      setTimeout(() => {
        const start = performance.now();
        while (performance.now() - start < 150) {
          /* busy */
        }
      }, 0);
      await new Promise((r) => setTimeout(r, 500));
      const found = w.__longTasks.some((d) => d >= 150);
      w.__longTasks = [];
      return found;
    });
    // Long tasks are collected per page; each import navigates, so take the longest across pages.
    let longestTask = 0;
    const longest = async () =>
      page.evaluate(() =>
        Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks)
      );
    const profiler = o.profile ? await WorkerProfiler.attach(page) : undefined;
    const imported: Round['imported'] = { customers: none, events: none };
    for (const kind of o.kinds) {
      imported[kind] = await importThroughUi(page, files[kind], {
        before: () => profiler?.start(),
        after: async () => {
          if (!profiler) return;
          const prefix = `bench/out/profile-${kind}-${index + 1}`;
          console.log(`\nCPU profile of the workers, ${kind} import, round ${index + 1}:`);
          console.log(await profiler.stop(prefix));
        }
      });
      longestTask = Math.max(longestTask, await longest());
    }
    await page.goto('/customers');
    await page.locator('tbody tr.row td a').first().waitFor({ timeout: 120_000 });
    const firstPaint = await page.evaluate(
      () => (window as unknown as { __firstRowAt: number }).__firstRowAt
    );
    await page.goto('/');
    const loadTiming = await page.getByTestId('load-timing').innerText({ timeout: 120_000 });
    return { parse, imported, longestTask, calibrated, firstPaint, loadTiming };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const out = benchData(o.customers, o.events);
  const app = await openApp(o.port);
  try {
    const papa = await readFile('node_modules/papaparse/papaparse.min.js');
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++)
      rounds.push(await round(app.browser, app.baseURL, o, out, papa, r));
    const best = (pick: (r: Round) => { rows: number; seconds: number }) =>
      Math.max(...rounds.map((r) => pick(r).rows / pick(r).seconds));

    console.log(`\nImport benchmark: ${fmt(o.customers)} customers, ${fmt(o.events)} events`);
    const size = (f: string) => (statSync(`${out}/${f}`).size / 1e6).toFixed(1);
    console.log(
      `(files: ${size('customers.csv')} MB + ${size('events.csv')} MB; best of ${o.rounds} alternating rounds, each in fresh storage)`
    );
    console.log(
      'file       | PapaParse alone rows/s | full import rows/s | ratio (target >= 0.50)'
    );
    for (const kind of o.kinds) {
      const p = best((r) => r.parse[kind]);
      const i = best((r) => r.imported[kind]);
      const seconds = Math.min(...rounds.map((r) => r.imported[kind].seconds));
      console.log(
        `${kind.padEnd(10)} | ${fmt(p).padStart(22)} | ${fmt(i).padStart(18)} | ${(i / p).toFixed(2)}  (best: ${seconds.toFixed(1)} s for ${fmt(rounds[0].imported[kind].rows)} rows)`
      );
    }
    if (o.kinds.length === 2) {
      const both = (pick: (r: Round) => Round['parse']) =>
        Math.max(
          ...rounds.map((r) => {
            const x = pick(r);
            return (x.customers.rows + x.events.rows) / (x.customers.seconds + x.events.seconds);
          })
        );
      const p = both((r) => r.parse);
      const i = both((r) => r.imported);
      console.log(
        `${'both'.padEnd(10)} | ${fmt(p).padStart(22)} | ${fmt(i).padStart(18)} | ${(i / p).toFixed(2)}`
      );
    }
    // Per round, the import/parse ratios side by side (the machine is shared: compare within a round).
    for (const [n, r] of rounds.entries())
      console.log(
        `round ${n + 1} ratios: ${o.kinds.map((k) => `${k} ${(r.imported[k].rows / r.imported[k].seconds / (r.parse[k].rows / r.parse[k].seconds)).toFixed(2)}`).join(', ')}`
      );
    const longest = Math.max(...rounds.map((r) => r.longestTask));
    // The Long Tasks API reports only tasks of 50 ms or more: none at all means every task was shorter.
    console.log(
      `longest main-thread task during the imports: ${longest > 0 ? `${longest.toFixed(0)} ms` : 'none of 50 ms or more'} (target < 100 ms)`
    );
    if (rounds.some((r) => !r.calibrated))
      console.log('WARNING: the long-task observer missed a 150 ms calibration task.');
    else
      console.log(
        '(the long-task observer saw a deliberate 150 ms calibration task in every round)'
      );
    console.log(
      `customers table first row after reload: ${rounds.map((r) => `${r.firstPaint.toFixed(0)} ms`).join(', ')} after navigation start`
    );
    for (const kind of o.kinds)
      console.log(`${kind} import: ${rounds.map((r) => r.imported[kind].durations).join(' | ')}`);
    console.log(
      `store rebuilt from IndexedDB at start: ${rounds.map((r) => r.loadTiming).join(' | ')}`
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
