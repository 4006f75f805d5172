// Credential schemas: one JSON Schema file per credential type (`<name>.json`), from the set
// shipped in packages/server/schemas and from SCHEMAS_PATH (a file there with the same name
// replaces the shipped one). Bodies are validated with ajv; the web app renders forms from the
// same files. Sensitive fields are marked with `"sensitive": true` (our keyword), `"writeOnly":
// true` or `"format": "password"`; secret-looking key names are sensitive whatever the schema says.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { emptyFieldErrors } from '../http/errors.js';
import { describePath, type JsonPath, type SchemaSensitivity } from './sensitive.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext resolution.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

export const BUNDLED_SCHEMAS_PATH = fileURLToPath(new URL('../../schemas/', import.meta.url));

type JsonSchema = Record<string, unknown>;

export interface CredentialSchema {
  name: string;
  schema: JsonSchema;
}

export interface CredentialSchemas {
  list(): CredentialSchema[];
  has(name: string): boolean;
  /** Field errors keyed by path (`body.hostUrl`), or null when the body is valid. */
  validate(name: string, body: Record<string, unknown>): Record<string, string[]> | null;
  /** Whether the schema marks the value at `path` sensitive. */
  sensitivity(name: string): SchemaSensitivity;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/**
 * Loads and compiles every schema once. A file that is not JSON or not a valid schema stops the
 * server at start with a message naming the file, rather than failing on the first credential.
 */
export function loadCredentialSchemas(extraPath?: string): CredentialSchemas {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('password', true);
  ajv.addKeyword({ keyword: 'sensitive', schemaType: 'boolean' });

  const files = new Map<string, string>();
  for (const dir of [BUNDLED_SCHEMAS_PATH, extraPath]) {
    if (!dir) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      throw new Error(`SCHEMAS_PATH ${dir} cannot be read: ${(error as Error).message}`);
    }
    for (const file of names) {
      if (file.endsWith('.json')) files.set(basename(file, '.json'), join(dir, file));
    }
  }

  const compiled = new Map<string, { schema: JsonSchema; validate: ValidateFunction }>();
  for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!NAME.test(name)) continue;
    let schema: JsonSchema;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
        throw new Error('the file must hold a JSON object');
      }
      compiled.set(name, { schema, validate: ajv.compile(schema) });
    } catch (error) {
      throw new Error(`credential schema ${file} is not usable: ${(error as Error).message}`);
    }
  }

  return {
    list: () => [...compiled].map(([name, { schema }]) => ({ name, schema })),
    has: (name) => compiled.has(name),
    validate(name, body) {
      const entry = compiled.get(name);
      if (!entry) return { schema: [`unknown credential schema "${name}"`] };
      if (entry.validate(body)) return null;
      return fieldErrors(entry.validate.errors ?? []);
    },
    sensitivity(name) {
      const schema = compiled.get(name)?.schema;
      return (path) => (schema ? isMarkedSensitive(schema, path) : false);
    },
  };
}

/** ajv's errors as `{ "body.port": ["must be integer"] }`. */
function fieldErrors(errors: ErrorObject[]): Record<string, string[]> {
  const result: Record<string, string[]> = emptyFieldErrors();
  for (const error of errors) {
    const path: (string | number)[] = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path.push((error.params as { missingProperty: string }).missingProperty);
      message = "can't be blank";
    } else if (error.keyword === 'additionalProperties') {
      path.push((error.params as { additionalProperty: string }).additionalProperty);
      message = 'is not a field of this schema';
    }
    const key = describePath(path);
    result[key] = [...(result[key] ?? []), message];
  }
  return result;
}

/** Follows `properties` / `items` / `additionalProperties` down the path, looking for a marking. */
function isMarkedSensitive(schema: JsonSchema, path: JsonPath): boolean {
  let node: unknown = schema;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return false;
    const current = node as JsonSchema;
    if (typeof part === 'number') {
      node = Array.isArray(current.items) ? current.items[part] : current.items;
    } else {
      const properties = current.properties as Record<string, unknown> | undefined;
      node = properties?.[part] ?? current.additionalProperties;
    }
  }
  if (node === null || typeof node !== 'object') return false;
  const leaf = node as JsonSchema;
  return leaf.sensitive === true || leaf.writeOnly === true || leaf.format === 'password';
}

const loaded = new Map<string, CredentialSchemas>();

/** The schemas for a SCHEMAS_PATH, loaded on first use and kept (they are files shipped with a release). */
export function credentialSchemasFor(extraPath: string | undefined): CredentialSchemas {
  const key = extraPath ?? '';
  let schemas = loaded.get(key);
  if (!schemas) {
    schemas = loadCredentialSchemas(extraPath);
    loaded.set(key, schemas);
  }
  return schemas;
}
