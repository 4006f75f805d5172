// The provisioning document as it arrives, turned into one shape before anything is checked against
// the database. OpenFn's tooling sends it in two shapes:
//
//   - Lightning's (`POST /api/provision`, the legacy `openfn deploy`): `workflows`, `jobs`,
//     `triggers`, `edges`, `project_credentials` and `collections` are arrays;
//   - OpenFn's project state (`Provisioner.Project_v1` in OpenFn's lexicon, a `.state.json`, what
//     `deploy --beta` sends): the same items keyed by name (`workflows: { "my-flow": {…} }`).
//
// Both become arrays here; `keys` remembers which lists were keyed, so every error names the path
// in the document's own shape (`workflows.my-flow.jobs.fetch.adaptor`, not `workflows[0]…`).
//
// Refused before any parsing of fields: keys that would reach an object's prototype (`__proto__`,
// `constructor`, `prototype`), and text PostgreSQL cannot store (NUL, lone UTF-16 surrogates).
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { schema } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import type { ProjectDocument } from './provision.js';
import { resolveSpec } from './provision-spec.js';
import type { FieldErrors } from './types.js';
import {
  addError,
  edgeInputSchema,
  formatPath,
  jobInputSchema,
  triggerInputSchema,
  zodFieldErrors,
} from './validation.js';

// Read-only fields a `GET /api/provision/:id` document carries; accepted back and ignored, so a
// pulled document can be deployed unchanged.
const readOnly = {
  inserted_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
};
const deletable = { delete: z.boolean().optional() };
/**
 * Fields OpenFn's tooling sends that this server keeps nowhere. Accepted when empty (null, or an
 * empty list): Lightning's own answers carry them so, and nothing is lost. With a value they are
 * refused with 422 (`UNSUPPORTED`), never stored half.
 */
const unsupported = <K extends string>(...names: K[]) =>
  Object.fromEntries(names.map((name) => [name, z.unknown().optional()])) as Record<
    K,
    z.ZodOptional<z.ZodUnknown>
  >;
/** Layout and colour of the UI: kept nowhere, and nothing in a run depends on them. */
const cosmetic = unsupported;
const id = z.guid({ error: 'must be a UUID' });

export const provisionWorkflowSchema = z.strictObject({
  id,
  name: z.string().optional(),
  lock_version: z.number().int().nonnegative().optional(),
  concurrency: z.number().int().nullable().optional(),
  enable_job_logs: z.boolean().optional(),
  // Items are named by the client's ids; an item being deleted needs nothing but its id, and one
  // being updated only the fields that change, so the other fields are checked after the merge.
  jobs: z
    .array(
      jobInputSchema
        .extend({ id, ...deletable, ...readOnly, ...unsupported('keychain_credential_id') })
        .partial({ name: true }),
    )
    .optional(),
  triggers: z
    .array(
      triggerInputSchema.extend({
        id,
        ...deletable,
        ...readOnly,
        ...unsupported('cron_cursor_job_id'),
      }),
    )
    .optional(),
  edges: z
    .array(
      edgeInputSchema.extend({ id, ...deletable, ...readOnly }).partial({ target_job_id: true }),
    )
    .optional(),
  ...deletable,
  ...readOnly,
  ...unsupported('version_history'),
  ...cosmetic('positions'),
  // Merged in by the legacy CLI from its `.state.json`: must be this project (checked on apply).
  project_id: id.nullable().optional(),
  deleted_at: z.string().nullable().optional(),
});

const retentionPeriod = z
  .union(
    [7, 14, 30, 90, 180, 365].map((days) => z.literal(days)) as [
      z.ZodLiteral<number>,
      z.ZodLiteral<number>,
    ],
    { error: 'must be one of 7, 14, 30, 90, 180, 365 (days) or null' },
  )
  .nullable()
  .optional();

export const provisionDocumentSchema = z.strictObject({
  id,
  name: z.string(),
  description: z.string().nullable().optional(),
  concurrency: z.number().int().positive().nullable().optional(),
  retention_policy: z.enum(schema.RETENTION_POLICIES).optional(),
  history_retention_period: retentionPeriod,
  dataclip_retention_period: retentionPeriod,
  requires_mfa: z.boolean().optional(),
  allow_support_access: z.boolean().optional(),
  ...unsupported('env', 'parent_id'),
  ...cosmetic('color'),
  scheduled_deletion: z.string().nullable().optional(),
  project_credentials: z
    .array(
      z.strictObject({
        id,
        name: z.string().optional(),
        owner: z.string().optional(),
        ...deletable,
        ...readOnly,
      }),
    )
    .optional(),
  collections: z
    .array(z.strictObject({ id, name: z.string().optional(), ...deletable, ...readOnly }))
    .optional(),
  workflows: z.array(provisionWorkflowSchema).optional(),
  ...readOnly,
});

export type ProvisionDocument = z.infer<typeof provisionDocumentSchema>;
export type ProvisionWorkflow = z.infer<typeof provisionWorkflowSchema>;

/** Array path (`workflows[0].jobs`) → the keys of that list when the document keyed it by name. */
export type KeyedLists = Map<string, string[]>;

export interface ParsedDocument {
  document: ProvisionDocument;
  keys: KeyedLists;
  /**
   * Fields refused with 422 (set but not supported, or a spec's names that name nothing), by
   * array path.
   */
  refused: FieldErrors;
  /** Items (array paths) whose names could not be resolved: their other errors are not repeated. */
  unresolved: Set<string>;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// A lone surrogate: paired ones are one code point under the `u` flag and do not match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Parses a provisioning document in either shape. 400 (naming each path) for a malformed one;
 * the fields it sets that this server cannot keep come back in `refused`, for a 422 with the rest.
 */
export function parseProvisionDocument(
  body: unknown,
  stored: ProjectDocument | null = null,
): ParsedDocument {
  const keys: KeyedLists = new Map();
  const errors: FieldErrors = {};
  checkText(body, [], errors);
  if (Object.keys(errors).length > 0) {
    throw new HttpError(400, 'The provisioning document is malformed', { errors });
  }
  // A spec (items named, not identified) becomes the state form against the stored project.
  const resolved = resolveSpec(body, stored);
  const listed = toLists(resolved.body ?? {}, keys);
  const parsed = provisionDocumentSchema.safeParse(listed);
  if (!parsed.success) {
    // Every problem at once: the names that name nothing too, not only the malformed fields.
    const all = zodFieldErrors(parsed.error);
    for (const [path, messages] of Object.entries(resolved.errors)) {
      for (const message of messages) addError(all, path, message);
    }
    throw new HttpError(400, 'The provisioning document is malformed', {
      errors: displayErrors(all, keys),
    });
  }
  const refused = refusedFields(parsed.data);
  for (const [path, messages] of Object.entries(resolved.errors)) {
    for (const message of messages) addError(refused, path, message);
  }
  return { document: parsed.data, keys, refused, unresolved: resolved.unresolved };
}

/** Walks the raw document: prototype keys and text PostgreSQL refuses are 400s at their path. */
function checkText(value: unknown, path: PropertyKey[], errors: FieldErrors): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      addError(errors, formatPath(path), 'must not contain the NUL character (\\u0000)');
    } else if (LONE_SURROGATE.test(value)) {
      addError(errors, formatPath(path), 'must be valid Unicode (it has a lone surrogate)');
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkText(item, [...path, i], errors);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key) || key.includes('\u0000')) {
      addError(errors, formatPath([...path, key]), 'is not an accepted key');
      continue;
    }
    checkText((value as Record<string, unknown>)[key], [...path, key], errors);
  }
}

/**
 * A YAML provisioning document as plain data. A key that would reach an object's prototype is a
 * 400 naming it before the document becomes objects (assigning `__proto__` would replace the
 * prototype of the map it is in rather than add a field).
 */
export function parseYamlDocument(text: string): unknown {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    // Every syntax error at once, each at its line and column.
    throw new HttpError(400, 'The YAML document cannot be parsed', {
      errors: {
        '(body)': document.errors.map((error) => error.message.replace(/\n[\s\S]*$/, '')),
      },
    });
  }
  const errors: FieldErrors = {};
  visit(document, {
    Pair(_key, pair, path) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!FORBIDDEN_KEYS.has(key)) return;
      const keys = path.flatMap((node) =>
        isPair(node) && isScalar(node.key) ? [String(node.key.value)] : [],
      );
      addError(errors, formatPath([...keys, key]), 'is not an accepted key');
    },
  });
  if (Object.keys(errors).length > 0) {
    throw new HttpError(400, 'The provisioning document is malformed', { errors });
  }
  return document.toJS();
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A keyed list as an array (recording its keys), an array as it is, anything else untouched. */
function list(value: unknown, path: string, keys: KeyedLists): unknown {
  if (!isMap(value)) return value;
  keys.set(path, Object.keys(value));
  return Object.values(value);
}

function toLists(body: unknown, keys: KeyedLists): unknown {
  if (!isMap(body)) return body;
  const workflows = list(body.workflows, 'workflows', keys);
  return {
    ...body,
    ...(body.project_credentials === undefined
      ? {}
      : { project_credentials: list(body.project_credentials, 'project_credentials', keys) }),
    ...(body.collections === undefined
      ? {}
      : { collections: list(body.collections, 'collections', keys) }),
    ...(workflows === undefined
      ? {}
      : {
          workflows: Array.isArray(workflows)
            ? workflows.map((workflow, i) => {
                if (!isMap(workflow)) return workflow;
                const prefix = `workflows[${i}]`;
                const lists: Record<string, unknown> = {};
                for (const kind of ['jobs', 'triggers', 'edges'] as const) {
                  if (workflow[kind] !== undefined) {
                    lists[kind] = list(workflow[kind], `${prefix}.${kind}`, keys);
                  }
                }
                return { ...workflow, ...lists };
              })
            : workflows,
        }),
  };
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0);

/**
 * Fields set to something this server does not keep: refused whole with 422 rather than accepted
 * and dropped (a deploy would then silently differ from the file it came from).
 */
function refusedFields(document: ProvisionDocument): FieldErrors {
  const errors: FieldErrors = {};
  if (!isEmpty(document.env)) {
    addError(errors, 'env', 'project environments are not supported: send null or leave it out');
  }
  if (!isEmpty(document.parent_id)) {
    addError(errors, 'parent_id', 'sandbox projects are not supported: send null or leave it out');
  }
  (document.project_credentials ?? []).forEach((credential, i) => {
    if (credential.delete) {
      addError(
        errors,
        `project_credentials[${i}].delete`,
        'a credential is not unshared by provisioning: unshare it through the credentials API',
      );
    }
  });
  (document.workflows ?? []).forEach((workflow, i) => {
    const prefix = `workflows[${i}]`;
    if (!isEmpty(workflow.version_history)) {
      addError(
        errors,
        `${prefix}.version_history`,
        'version history is not kept by this server: send an empty list or leave it out',
      );
    }
    (workflow.jobs ?? []).forEach((job, j) => {
      if (!isEmpty(job.keychain_credential_id)) {
        addError(
          errors,
          `${prefix}.jobs[${j}].keychain_credential_id`,
          'keychain credentials are not supported: use project_credential_id',
        );
      }
    });
    (workflow.triggers ?? []).forEach((trigger, j) => {
      if (!isEmpty(trigger.cron_cursor_job_id)) {
        addError(
          errors,
          `${prefix}.triggers[${j}].cron_cursor_job_id`,
          'cron cursors are not supported: send null or leave it out',
        );
      }
    });
  });
  return errors;
}

const PLAIN_KEY = /^[A-Za-z0-9_>-]+$/;

/**
 * An array path (`workflows[0].jobs[2].adaptor`) in the document's own shape: the lists it keyed
 * by name are named by their keys (`workflows.my-flow.jobs.fetch.adaptor`).
 */
export function displayPath(path: string, keys: KeyedLists): string {
  if (keys.size === 0) return path;
  let arrayPath = '';
  let out = '';
  for (const [, name, index] of path.matchAll(/\.?([^.[\]]+)|\[(\d+)\]/g)) {
    if (name !== undefined) {
      arrayPath += arrayPath ? `.${name}` : name;
      out += out ? `.${name}` : name;
      continue;
    }
    const key = keys.get(arrayPath)?.[Number(index)];
    arrayPath += `[${index}]`;
    if (key === undefined) out += `[${index}]`;
    else out += PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** `errors` with every path in the document's own shape. */
export function displayErrors(errors: FieldErrors, keys: KeyedLists): FieldErrors {
  if (keys.size === 0) return errors;
  const out: FieldErrors = {};
  for (const [path, messages] of Object.entries(errors)) {
    for (const message of messages) addError(out, displayPath(path, keys), message);
  }
  return out;
}
