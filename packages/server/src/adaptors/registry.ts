// The adaptor registry the workflow editor's picker offers: read from ADAPTORS_REGISTRY_JSON_PATH
// when set (Lightning's registry cache format: `[{name, latest, versions: [{version}]}]`), else a
// built-in list of the common `@openfn/language-*` adaptors. Versions are hints for the picker; a
// worker installs whatever version a job names.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';

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
  ['@openfn/language-http', '7.2.4', [...HTTP_FUNCTIONS, ...COMMON_FUNCTIONS]],
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

function builtIn(): AdaptorEntry[] {
  return BUILT_IN.map(([name, latest, functions]) => ({
    name,
    latest,
    versions: ['latest', latest],
    functions: [...new Set(functions)],
  }));
}

/** Reads the registry once per process (the file is written at deploy time). */
export function createAdaptorRegistry(path: string | undefined, logger: Logger) {
  let loaded: Promise<AdaptorEntry[]> | undefined;
  const load = async (): Promise<AdaptorEntry[]> => {
    if (!path) return builtIn();
    try {
      const entries = registryFile.parse(JSON.parse(await readFile(path, 'utf8')));
      const known = new Map(builtIn().map((entry) => [entry.name, entry.functions]));
      return entries
        .map((entry) => {
          const versions = entry.versions.map((v) => (typeof v === 'string' ? v : v.version));
          const latest = entry.latest ?? versions[versions.length - 1] ?? 'latest';
          return {
            name: entry.name,
            latest,
            versions: ['latest', ...new Set(versions.filter((v) => v !== 'latest'))],
            functions: known.get(entry.name) ?? COMMON_FUNCTIONS,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      // The picker still works from the built-in list; the operator learns why from the log.
      logger.warn(
        { err: error, path },
        'ADAPTORS_REGISTRY_JSON_PATH cannot be read; offering the built-in adaptor list',
      );
      return builtIn();
    }
  };
  return {
    list: (): Promise<AdaptorEntry[]> => {
      loaded ??= load();
      return loaded;
    },
  };
}
