#!/usr/bin/env node
// Committed shim: npm links workspace bins at install time, before `tsc -b` has
// produced dist/, so the bin must be a file that exists in the repository.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(
    'unseen: the CLI is not built yet. Run `npm run build` (or `npm ci`, which builds) in the repository root.',
  );
  process.exit(2);
}
await import(entry);
