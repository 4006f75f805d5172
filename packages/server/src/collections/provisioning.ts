// Collections in a provisioning document (`collections: [{id, name, delete?}]`): checked with the
// rest of the document, then written in its transaction; a pulled document lists them back.
import { and, asc, eq, inArray } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { collectionNameProblem } from './store.js';

const { collections } = schema;

export interface ProvisionedCollection {
  id: string;
  name?: string;
  delete?: boolean;
}

export interface CollectionChanges {
  creates: { id: string; name: string }[];
  renames: { id: string; name: string }[];
  deletes: string[];
}

/**
 * What the document's collections change in project `projectId`; problems are reported with
 * `addError` at their path (`collections[i].name`), and nothing is written here.
 */
export async function checkProvisionedCollections(
  tx: Database,
  projectId: string,
  items: readonly ProvisionedCollection[],
  addError: (path: string, message: string) => void,
): Promise<CollectionChanges> {
  const changes: CollectionChanges = { creates: [], renames: [], deletes: [] };
  if (items.length === 0) return changes;
  const ids = [...new Set(items.map((item) => item.id))];
  const names = [...new Set(items.flatMap((item) => (item.name ? [item.name] : [])))];
  const existing = await tx
    .select({ id: collections.id, projectId: collections.projectId, name: collections.name })
    .from(collections)
    .where(inArray(collections.id, ids));
  const byId = new Map(existing.map((row) => [row.id, row]));
  const taken =
    names.length === 0
      ? []
      : await tx
          .select({ id: collections.id, name: collections.name })
          .from(collections)
          .where(inArray(collections.name, names));
  const deleted = new Set(items.filter((item) => item.delete).map((item) => item.id));
  const seen = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    const at = `collections[${i}]`;
    const row = byId.get(item.id);
    if (row && row.projectId !== projectId) {
      addError(`${at}.id`, 'belongs to another project');
      continue;
    }
    if (item.delete) {
      if (row) changes.deletes.push(item.id);
      continue;
    }
    const problem = collectionNameProblem(item.name);
    if (problem) {
      addError(`${at}.name`, problem);
      continue;
    }
    const name = item.name!;
    const other = seen.get(name);
    if (other !== undefined) {
      addError(`${at}.name`, `is also the name of collections[${other}]`);
      continue;
    }
    seen.set(name, i);
    const holder = taken.find((t) => t.name === name);
    if (holder && holder.id !== item.id && !deleted.has(holder.id)) {
      addError(
        `${at}.name`,
        'has already been taken (collection names are unique on the instance)',
      );
      continue;
    }
    if (!row) changes.creates.push({ id: item.id, name });
    else if (row.name !== name) changes.renames.push({ id: item.id, name });
  }
  return changes;
}

/** Writes what `checkProvisionedCollections` planned: deletions first, so names are freed. */
export async function applyCollectionChanges(
  tx: Database,
  projectId: string,
  changes: CollectionChanges,
): Promise<void> {
  if (changes.deletes.length > 0) {
    await tx
      .delete(collections)
      .where(and(eq(collections.projectId, projectId), inArray(collections.id, changes.deletes)));
  }
  for (const { id, name } of changes.renames) {
    await tx.update(collections).set({ name }).where(eq(collections.id, id));
  }
  if (changes.creates.length > 0) {
    await tx.insert(collections).values(changes.creates.map((c) => ({ ...c, projectId })));
  }
}

/** A project's collections as a document lists them, oldest first. */
export async function provisionedCollections(
  db: Database,
  projectId: string,
): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: collections.id, name: collections.name })
    .from(collections)
    .where(eq(collections.projectId, projectId))
    .orderBy(asc(collections.insertedAt), asc(collections.name));
}
