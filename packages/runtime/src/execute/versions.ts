// The versions a run reports in run:start and its first log lines.
import { readFileSync } from 'node:fs';
import { parseAdaptorSpec } from '../adaptors/adaptor-spec.js';
import type { ExecutionPlan } from '../types.js';

// src/execute/ and dist/execute/ both sit two levels below the package root.
const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export const RUNTIME_VERSION: string = manifest.version;

/** `{ node, runtime, compiler, '@openfn/language-http': ['7.2.10'] }` */
export function collectVersions(
  plan: ExecutionPlan,
  extra: Record<string, string> = {},
): Record<string, string | string[]> {
  const versions: Record<string, string | string[]> = {
    node: process.versions.node,
    runtime: RUNTIME_VERSION,
    compiler: RUNTIME_VERSION,
    ...extra,
  };
  for (const job of plan.jobs) {
    if (!job.adaptor) continue;
    const { name, version } = parseAdaptorSpec(job.adaptor);
    const list = (versions[name] as string[] | undefined) ?? [];
    const label = version ?? 'unknown';
    if (!list.includes(label)) list.push(label);
    versions[name] = list;
  }
  return versions;
}

/** The multi-line "Versions:" banner. */
export function versionsBanner(versions: Record<string, string | string[]>): string {
  const names = Object.keys(versions);
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((name) => {
    const value = versions[name];
    return `  ▸ ${name.padEnd(width)}  ${Array.isArray(value) ? value.join(', ') : value}`;
  });
  return ['Versions:', ...lines].join('\n');
}
