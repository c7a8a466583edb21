// The migrations bundled into the server build (Vite reads the .sql files at build time); the CLI,
// which runs without Vite, reads the same files from disk.
import type { Migration } from '../migrate';

const files = import.meta.glob<string>('./*.sql', {
  query: '?raw',
  import: 'default',
  eager: true
});

export const MIGRATIONS: readonly Migration[] = Object.entries(files).map(([path, sql]) => ({
  name: path.replace(/^.*\//, ''),
  sql
}));
