// A deploy from GitHub: the repository's deploy workflow posts the project to /api/provision with
// the connection token. It may only change its own project; it acts with an admin's reach (project
// settings included, but never turning on MFA requirements) and is the audited actor; its outcome
// (or the refusal, with Lightning's message) is recorded on the connection for the settings page.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/index.js';
import type { RepoConnectionCaller } from '../http/auth.js';
import { ForbiddenError, HttpError } from '../http/errors.js';
import {
  type ProjectDocument,
  type ProvisionOptions,
  provisionProject,
} from '../workflows/provision.js';
import { isSpecDocument } from '../workflows/provision-spec.js';
import { recordDeploy } from './connections.js';

export async function deployFromRepository(
  db: Database,
  connection: RepoConnectionCaller,
  request: FastifyRequest,
  kafka: ProvisionOptions['kafka'],
): Promise<ProjectDocument> {
  const body = request.body;
  const queryId = (request.query as { id?: unknown }).id;
  const named =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as { id?: unknown }).id
      : undefined;
  for (const id of [queryId, named]) {
    if (id !== undefined && id !== connection.projectId) {
      throw new ForbiddenError(
        `This repository's token may only deploy project ${connection.projectId} (got ${String(id)})`,
      );
    }
  }
  if (named === undefined && body && typeof body === 'object' && !Array.isArray(body)) {
    // A spec (project.yaml) names no id: it is the connection's project.
    if (isSpecDocument(body)) (body as { id?: unknown }).id = connection.projectId;
  }
  try {
    const document = await provisionProject(db, body, {
      caller: { role: 'admin', mfaEnabled: false },
      kafka,
      audit: {
        event: 'provisioned',
        itemType: 'project',
        itemId: connection.projectId,
        projectId: connection.projectId,
        actorId: connection.id,
        actorType: 'repo_connection',
        changes: { via: 'github', repo: connection.repo },
      },
    });
    await recordDeploy(db, connection.id, { ok: true });
    return document;
  } catch (error) {
    const message =
      error instanceof HttpError
        ? `${error.statusCode} ${error.message}${
            error.details?.errors ? `: ${JSON.stringify(error.details.errors).slice(0, 1000)}` : ''
          }`
        : 'Lightning could not apply the deploy (an internal error; see the server log)';
    await recordDeploy(db, connection.id, { ok: false, message });
    throw error;
  }
}
