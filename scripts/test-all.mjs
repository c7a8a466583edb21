// `npm test`: unit tests (Vitest), a test build (production plus the test clock), then end-to-end
// tests (Playwright, Chromium), ending with one line `N passed, N failed` that adds both up. With a
// PostgreSQL URL in TEST_DATABASE_URL (or DATABASE_URL), the API tests run a second time against it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { requireChromium } from './chromium.mjs';

// The first passes use the embedded database (PGlite); PostgreSQL only where asked for below.
const postgresUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
const baseEnv = { ...process.env };
delete baseEnv.DATABASE_URL;
delete baseEnv.TEST_DATABASE_URL;

const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...baseEnv, ...env } }).status ?? 1;

requireChromium();
rmSync('test-results', { recursive: true, force: true });
rmSync('.e2e-data', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

let passed = 0;
let failed = 0;

const unitStatus = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/unit.json'
]);
if (existsSync('test-results/unit.json')) {
  const unit = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
} else if (unitStatus !== 0) failed += 1;

let postgresStatus = 0;
if (postgresUrl) {
  console.log('\nThe API tests again, against PostgreSQL:');
  postgresStatus = run(
    'npx',
    [
      'vitest',
      'run',
      '--project=unit',
      'tests/unit/server',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=test-results/unit-postgres.json'
    ],
    { DATABASE_URL: postgresUrl }
  );
  if (existsSync('test-results/unit-postgres.json')) {
    const pgUnit = JSON.parse(readFileSync('test-results/unit-postgres.json', 'utf8'));
    passed += pgUnit.numPassedTests;
    failed += pgUnit.numFailedTests;
  } else if (postgresStatus !== 0) failed += 1;
} else {
  console.log('\nNo TEST_DATABASE_URL: the API tests ran against the embedded database only.');
}

// A test build: the worker's clock can be moved by the end-to-end tests (never in `npm run build`).
const buildStatus = run('npx', ['vite', 'build'], { VITE_TEST_CLOCK: '1' });
let e2eStatus = 1;
if (buildStatus === 0) {
  e2eStatus = run('npx', ['playwright', 'test'], { CI: '1' });
  if (existsSync('test-results/e2e.json')) {
    const e2e = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
    passed += e2e.stats.expected + (e2e.stats.flaky ?? 0);
    failed += e2e.stats.unexpected;
  } else if (e2eStatus !== 0) failed += 1;
} else {
  console.error('The build failed, so the end-to-end tests could not run.');
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(
  unitStatus === 0 && postgresStatus === 0 && buildStatus === 0 && e2eStatus === 0 && failed === 0
    ? 0
    : 1
);
