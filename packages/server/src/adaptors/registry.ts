// The adaptor registry the workflow editor's picker offers, in the order the seed gives for
// ADAPTORS_REGISTRY_JSON_PATH: that file when set and readable (Lightning's registry cache format:
// `[{name, latest, versions: [{version}]}]`), else the versions the npm registry publishes for the
// built-in list of `@openfn/language-*` adaptors (cached, refreshed in the background), else —
// offline — the built-in versions. Versions installed under ADAPTORS_PATH are always offered too:
// they are known to work here. Versions are hints for the picker; a worker installs whatever
// version a job names.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { compareVersions, installedVersions } from './functions.js';

export interface AdaptorEntry {
  name: string;
  latest: string;
  versions: string[];
  /** Functions the adaptor exports, offered while typing (known for the built-in ones). */
  functions: string[];
}

const COMMON_FUNCTIONS = [
  'fn',
  'fnIf',
  'each',
  'combine',
  'field',
  'fields',
  'merge',
  'dataPath',
  'dataValue',
  'lastReferenceValue',
  'sourceValue',
  'alterState',
  'arrayToString',
  'asData',
  'chunk',
  'cursor',
  'dateFns',
  'group',
  'humanProper',
  'join',
  'jsonValue',
  'map',
  'parseCsv',
  'referencePath',
  'scrubEmojis',
  'splitKeys',
  'toArray',
  'log',
  'debug',
  'as',
  'assert',
];

const HTTP_FUNCTIONS = ['get', 'post', 'put', 'patch', 'del', 'request', 'parseXML'];

/** The built-in list: name, last version known when it was written, its functions. */
const BUILT_IN: Array<[string, string, string[]]> = [
  ['@openfn/language-common', '3.3.4', COMMON_FUNCTIONS],
  ['@openfn/language-http', '7.2.10', [...HTTP_FUNCTIONS, ...COMMON_FUNCTIONS]],
  [
    '@openfn/language-dhis2',
    '7.0.6',
    ['create', 'update', 'upsert', 'get', 'destroy', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-salesforce',
    '8.0.2',
    ['create', 'upsert', 'query', 'bulk', 'retrieve', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-postgresql',
    '7.0.4',
    ['sql', 'insert', 'insertMany', 'upsert', 'upsertMany', 'findValue', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-googlesheets',
    '3.0.13',
    ['appendValues', 'batchUpdateValues', 'getValues', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-commcare',
    '3.2.6',
    ['submit', 'submitXls', 'fetchReportData', 'get', 'post', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-kobotoolbox',
    '4.2.6',
    ['getForms', 'getSubmissions', 'getDeploymentInfo', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-mailchimp',
    '1.0.18',
    ['upsertMembers', 'tagMembers', 'listMembers', ...COMMON_FUNCTIONS],
  ],
  [
    '@openfn/language-openmrs',
    '4.4.0',
    ['get', 'post', 'create', 'update', 'searchPatient', ...COMMON_FUNCTIONS],
  ],
];

const registryFile = z.array(
  z.looseObject({
    name: z.string().min(1),
    latest: z.string().optional(),
    versions: z
      .array(z.union([z.string(), z.looseObject({ version: z.string() })]))
      .optional()
      .default([]),
  }),
);

/** npm's abbreviated package document: only what the picker needs. */
const packument = z.looseObject({
  'dist-tags': z.looseObject({ latest: z.string().optional() }).optional(),
  versions: z.record(z.string(), z.unknown()),
});

/** Releases only: pre-releases (`-next.3`) are not offered unless a job already names one. */
const RELEASE = /^\d+\.\d+\.\d+$/;

export interface AdaptorRegistryOptions {
  /** ADAPTORS_REGISTRY_JSON_PATH. */
  path?: string | undefined;
  /** ADAPTORS_PATH, whose installed versions are offered as well. */
  adaptorsPath?: string | undefined;
  /** Base URL of the npm registry. Default: the public registry. */
  npmRegistryUrl?: string;
  /** How long versions read from npm are served before they are read again. Default 1 hour. */
  refreshMs?: number;
  logger: Logger;
}

const PUBLIC_NPM_REGISTRY = 'https://registry.npmjs.org';
const REFRESH_MS = 60 * 60_000;
/** After a failed read of npm (offline), try again this soon rather than after a full period. */
const RETRY_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Listing {
  name: string;
  latest: string;
  versions: string[];
  functions: string[];
}

function builtIn(): Listing[] {
  return BUILT_IN.map(([name, latest, functions]) => ({
    name,
    latest,
    versions: [latest],
    functions: [...new Set(functions)],
  }));
}

/** The registry file's entries, or null (with a warning) when it cannot be read. */
async function readRegistryFile(path: string, logger: Logger): Promise<Listing[] | null> {
  try {
    const entries = registryFile.parse(JSON.parse(await readFile(path, 'utf8')));
    const known = new Map(builtIn().map((entry) => [entry.name, entry.functions]));
    return entries.map((entry) => {
      const versions = entry.versions.map((v) => (typeof v === 'string' ? v : v.version));
      return {
        name: entry.name,
        latest: entry.latest ?? [...versions].sort(compareVersions).at(-1) ?? 'latest',
        versions,
        functions: known.get(entry.name) ?? COMMON_FUNCTIONS,
      };
    });
  } catch (error) {
    logger.warn(
      { err: error, path },
      'ADAPTORS_REGISTRY_JSON_PATH cannot be read; reading adaptor versions from npm instead',
    );
    return null;
  }
}

async function fetchPublished(
  registryUrl: string,
  name: string,
): Promise<{ latest: string | undefined; versions: string[] }> {
  const url = `${registryUrl.replace(/\/+$/, '')}/${name.replace('/', '%2f')}`;
  const response = await fetch(url, {
    headers: { accept: 'application/vnd.npm.install-v1+json' },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`the npm registry answered ${response.status} for ${name}`);
  const document = packument.parse(await response.json());
  return {
    latest: document['dist-tags']?.latest,
    versions: Object.keys(document.versions).filter((v) => RELEASE.test(v)),
  };
}

/**
 * The built-in adaptors with the versions npm publishes, or null when npm cannot be reached at
 * all. One adaptor npm does not answer for keeps its built-in version.
 */
async function readNpm(registryUrl: string, logger: Logger): Promise<Listing[] | null> {
  const results = await Promise.allSettled(
    BUILT_IN.map(([name]) => fetchPublished(registryUrl, name)),
  );
  if (results.every((result) => result.status === 'rejected')) {
    const reason = (results[0] as PromiseRejectedResult | undefined)?.reason;
    logger.warn(
      { err: reason, registry: registryUrl },
      'the npm registry cannot be reached; offering the built-in adaptor versions',
    );
    return null;
  }
  return builtIn().map((entry, index) => {
    const result = results[index];
    if (result?.status !== 'fulfilled' || result.value.versions.length === 0) return entry;
    const { latest, versions } = result.value;
    return { ...entry, latest: latest ?? versions.sort(compareVersions).at(-1)!, versions };
  });
}

/** Newest first, after `latest`; the installed versions joined in. */
async function withInstalled(
  entries: Listing[],
  adaptorsPath: string | undefined,
): Promise<AdaptorEntry[]> {
  return Promise.all(
    entries.map(async (entry) => {
      const installed = adaptorsPath ? await installedVersions(adaptorsPath, entry.name) : [];
      const all = [...new Set([...entry.versions, ...installed])].filter((v) => v !== 'latest');
      // An installed release newer than what the source knows (an old registry file) is the latest.
      const newestInstalled = installed.at(-1);
      const isNewer =
        newestInstalled !== undefined &&
        RELEASE.test(entry.latest) &&
        compareVersions(newestInstalled, entry.latest) > 0;
      return {
        name: entry.name,
        latest: isNewer ? newestInstalled : entry.latest,
        versions: ['latest', ...all.sort(compareVersions).reverse()],
        functions: entry.functions,
      };
    }),
  ).then((list) => list.sort((a, b) => a.name.localeCompare(b.name)));
}

/**
 * `list()` answers from memory after the first read. Versions from npm are read again after
 * `refreshMs` in the background (the stale list is served meanwhile), and soon again after a
 * failed read, so an instance that started offline catches up once the registry is reachable.
 */
export function createAdaptorRegistry(options: AdaptorRegistryOptions) {
  const { path, adaptorsPath, logger } = options;
  const registryUrl = options.npmRegistryUrl ?? PUBLIC_NPM_REGISTRY;
  const refreshMs = options.refreshMs ?? REFRESH_MS;
  let fromFile: Promise<Listing[] | null> | undefined;
  let cached: { listing: Listing[]; expiresAt: number } | undefined;
  let reading: Promise<Listing[]> | undefined;

  const readVersions = (): Promise<Listing[]> => {
    reading ??= readNpm(registryUrl, logger)
      .then((listing) => {
        cached = {
          listing: listing ?? cached?.listing ?? builtIn(),
          expiresAt: Date.now() + (listing ? refreshMs : Math.min(RETRY_MS, refreshMs)),
        };
        return cached.listing;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  return {
    list: async (): Promise<AdaptorEntry[]> => {
      if (path) {
        fromFile ??= readRegistryFile(path, logger);
        const listing = await fromFile;
        if (listing) return withInstalled(listing, adaptorsPath);
      }
      if (!cached) return withInstalled(await readVersions(), adaptorsPath);
      if (Date.now() >= cached.expiresAt) void readVersions();
      return withInstalled(cached.listing, adaptorsPath);
    },
  };
}
