// The worker's version, reported as `worker_version` on connect and as `worker` in run:start.
import { readFileSync } from 'node:fs';

// src/version.ts and dist/version.js both sit one level below the package root.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const WORKER_VERSION: string = manifest.version;
