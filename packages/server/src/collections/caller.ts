// Who may use a collection through `/collections`: a worker running a job of the collection's
// project, with that run's token (`collections_token`), while the run is claimed or started; or a
// person, with a personal access token (or the web app's session), in the projects they belong
// to. Readers need `collection:read`, writers `collection:write` (projects/policy.ts).
import type { KeyObject } from 'node:crypto';
import { verifyRunToken } from '@lightning/protocol';
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../http/errors.js';
import { authorizeResource, type ProjectAction } from '../projects/index.js';
import { getRunState, isFinalState, projectOfRun } from '../runs/index.js';
import { type Collection, findCollectionByName } from './store.js';

export type Caller =
  | { kind: 'user'; actor: Actor }
  | { kind: 'run'; runId: string; projectId: string };

function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** The caller, or 401 when the request carries neither a valid token nor a session. */
export async function resolveCaller(
  request: FastifyRequest,
  db: Database,
  runsPublicKey: KeyObject | undefined,
): Promise<Caller> {
  if (request.actor) return { kind: 'user', actor: request.actor };
  const token = bearerToken(request);
  if (!token || !runsPublicKey || token.split('.').length !== 3) throw new UnauthorizedError();
  const verified = await verifyRunToken(runsPublicKey, token);
  if (!verified.ok) throw new UnauthorizedError();
  const runId = verified.value.id;
  const state = await getRunState(db, runId);
  const projectId = state === null ? null : await projectOfRun(db, runId);
  if (projectId === null || state === null) throw new UnauthorizedError();
  if (state === 'available' || isFinalState(state)) {
    throw new ForbiddenError(`Run ${runId} is not running: its token no longer opens collections`);
  }
  return { kind: 'run', runId, projectId };
}

/** The named collection, if the caller may take `action` on it; else 403/404. */
export async function authorizeCollection(
  db: Database,
  caller: Caller,
  name: string,
  action: Extract<ProjectAction, 'collection:read' | 'collection:write'>,
): Promise<Collection> {
  const notFound = `Collection ${name} not found`;
  const collection = await findCollectionByName(db, name);
  if (caller.kind === 'run') {
    if (!collection) throw new NotFoundError(notFound);
    if (collection.projectId !== caller.projectId) {
      throw new ForbiddenError(`Collection ${name} belongs to another project than this run's`);
    }
    return collection;
  }
  await authorizeResource(db, caller.actor, collection?.projectId ?? null, action, notFound);
  return collection!;
}
