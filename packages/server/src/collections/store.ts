// Collections themselves: created, renamed and deleted by project admins (web app, provisioning),
// found by name for the API. A name is unique across the instance, because the API (and the
// adaptor) address a collection by its name alone.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/index.js';
import { schema } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors.js';

const { collections } = schema;

export interface Collection {
  id: string;
  projectId: string;
  name: string;
  byteSizeSum: number;
}

export interface CollectionJson {
  id: string;
  project_id: string;
  name: string;
  byte_size_sum: number;
  inserted_at: string;
  updated_at: string;
}

/** Names travel in URL paths: letters, digits, `-`, `_` and `.`, as Lightning's slug rule. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME_LENGTH = 255;

/** The message for a bad name, or null when it is good. */
export function collectionNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) {
    return 'may contain only letters, digits, "-", "_" and "." and must start with a letter or digit';
  }
  return null;
}

function checkName(name: unknown): string {
  const problem = collectionNameProblem(name);
  if (problem) throw new ValidationError(`name ${problem}`, { name: [problem] });
  return name as string;
}

const columns = {
  id: collections.id,
  projectId: collections.projectId,
  name: collections.name,
  byteSizeSum: collections.byteSizeSum,
};

export async function findCollectionByName(db: Database, name: string): Promise<Collection | null> {
  const [row] = await db.select(columns).from(collections).where(eq(collections.name, name));
  return row ?? null;
}

export async function findCollection(
  db: Database,
  projectId: string,
  id: string,
): Promise<Collection | null> {
  const [row] = await db
    .select(columns)
    .from(collections)
    .where(and(eq(collections.id, id), eq(collections.projectId, projectId)));
  return row ?? null;
}

export async function listProjectCollections(
  db: Database,
  projectId: string,
): Promise<CollectionJson[]> {
  const rows = await db
    .select()
    .from(collections)
    .where(eq(collections.projectId, projectId))
    .orderBy(asc(collections.name));
  return rows.map(collectionJson);
}

export function collectionJson(row: typeof collections.$inferSelect): CollectionJson {
  return {
    id: row.id,
    project_id: row.projectId,
    name: row.name,
    byte_size_sum: Number(row.byteSizeSum),
    inserted_at: row.insertedAt,
    updated_at: row.updatedAt,
  };
}

function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  while (current && typeof current === 'object') {
    if ((current as { code?: string }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(`A collection named "${name}" already exists`, {
    errors: { name: ['has already been taken'] },
  });
}

/** Creates a collection (with `id` when the caller chose it, as provisioning does). */
export async function createCollection(
  db: Database,
  input: { projectId: string; name: unknown; id?: string },
): Promise<CollectionJson> {
  const name = checkName(input.name);
  try {
    const [row] = await db
      .insert(collections)
      .values({ projectId: input.projectId, name, ...(input.id ? { id: input.id } : {}) })
      .returning();
    return collectionJson(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
}

export async function renameCollection(
  db: Database,
  projectId: string,
  id: string,
  newName: unknown,
): Promise<CollectionJson> {
  const name = checkName(newName);
  try {
    const [row] = await db
      .update(collections)
      .set({ name, updatedAt: sql`now()` })
      .where(and(eq(collections.id, id), eq(collections.projectId, projectId)))
      .returning();
    if (!row) throw new NotFoundError(`Collection ${id} not found`);
    return collectionJson(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
}

/** Deletes a collection and its items (the foreign key cascades). */
export async function deleteCollection(db: Database, projectId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(collections)
    .where(and(eq(collections.id, id), eq(collections.projectId, projectId)))
    .returning({ id: collections.id });
  if (deleted.length === 0) throw new NotFoundError(`Collection ${id} not found`);
}
