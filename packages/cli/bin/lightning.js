#!/usr/bin/env node
// Entry point of the `lightning` command. The TypeScript sources are compiled by `npm install`
// (the root `prepare` script) and by `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'lightning: the command is not built yet; run `npm run build` in the repository root.',
  );
  process.exit(1);
}
await import(entry.href);
