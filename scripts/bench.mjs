// `npm run bench`: every benchmark, one after another, each printing its figures and ratios.
//   --only import|engine|preview|lists   run one of them
//   --sizes S,L            engine sizes (default S,L: 100k/1M and 1M/10M; L takes several minutes)
//   --rounds N, --port P, --customers N, --events M   passed to the import benchmark
// Timing targets live here, never in tests: the machine is shared and noisy, so ratios are measured
// side by side in one run.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const sizes = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : 'S,L';

const passed = ['--rounds', '--port', '--customers', '--events'].flatMap((name) =>
  args.includes(name) ? [name, args[args.indexOf(name) + 1]] : []
);

const run = (label, cmd, cmdArgs) => {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  return r.status ?? 1;
};

let status = 0;
if (!only || only === 'import')
  status ||= run('import (Chromium)', 'npx', ['tsx', 'bench/import.ts', ...passed]);
if (!only || only === 'engine')
  status ||= run('segment engine vs DuckDB (Node)', 'npx', [
    'tsx',
    'bench/engine/run.ts',
    '--sizes',
    sizes
  ]);
if (!only || only === 'preview')
  status ||= run('live preview (Chromium, 100k customers)', 'npx', ['tsx', 'bench/preview.ts']);
if (!only || only === 'lists')
  status ||= run('static lists, overlap, store view (Node)', 'npx', ['tsx', 'bench/lists.ts']);
process.exit(status);
