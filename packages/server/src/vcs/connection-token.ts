// The connection token: what a connected repository's GitHub Actions use as `Authorization: Bearer`
// on /api/provision. As Lightning's: an HS256 JWT signed with REPO_CONNECTION_SIGNING_SECRET, with
// the claims `project_id`, `iss: "Lightning"`, `iat`, `nbf` and `jti`, and no expiry (it lives as
// long as the connection). Only the `jti` is stored, so disconnecting (or reconnecting, which issues
// a new one) makes every earlier token useless even though its signature still verifies.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { errors, jwtVerify, SignJWT } from 'jose';
import { type Database, schema } from '../db/index.js';

const ISSUER = 'Lightning';

const key = (secret: string) => new TextEncoder().encode(secret);

export async function issueConnectionToken(
  secret: string,
  projectId: string,
): Promise<{ token: string; jti: string }> {
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ project_id: projectId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setJti(jti)
    .sign(key(secret));
  return { token, jti };
}

/** The project and jti of a token signed with the secret, or undefined for anything else. */
export async function readConnectionToken(
  secret: string,
  token: string,
): Promise<{ projectId: string; jti: string } | undefined> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
    });
    if (typeof payload.project_id !== 'string' || typeof payload.jti !== 'string') return undefined;
    return { projectId: payload.project_id, jti: payload.jti };
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}

/** Does this bearer look like a JWT (three base64url parts), rather than a personal access token? */
export const looksLikeJwt = (token: string): boolean =>
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

/**
 * The repository connection a bearer token stands for: signed with the secret, and the `jti` of the
 * project's current connection (a token of a removed or replaced connection finds nothing).
 */
export async function findTokenConnection(
  db: Database,
  secret: string,
  token: string,
): Promise<{ id: string; projectId: string; repo: string } | undefined> {
  if (!looksLikeJwt(token)) return undefined;
  const claims = await readConnectionToken(secret, token);
  if (
    !claims ||
    !/^[0-9a-f-]{36}$/i.test(claims.projectId) ||
    !/^[0-9a-f-]{36}$/i.test(claims.jti)
  ) {
    return undefined;
  }
  const { projectRepoConnections: connections } = schema;
  const [row] = await db
    .select({ id: connections.id, projectId: connections.projectId, repo: connections.repo })
    .from(connections)
    .where(
      and(eq(connections.projectId, claims.projectId), eq(connections.accessTokenJti, claims.jti)),
    );
  return row;
}
