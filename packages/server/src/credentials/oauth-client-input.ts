// The shapes of OAuth client requests: endpoints must be https (http only on loopback), scopes are
// RFC 6749 scope tokens, and the client secret is required on create and optional on change.
import { z } from 'zod';
import { parseBody } from '../accounts/input.js';
import { endpointUrlProblem } from '../oauth/endpoint-url.js';

const endpoint = z
  .string({ error: 'is required' })
  .trim()
  .min(1, "can't be blank")
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    const problem = endpointUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const scope = z
  .string({ error: 'must be a string' })
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be one scope: printable characters without spaces');

const fields = {
  name: z
    .string({ error: 'is required' })
    .trim()
    .min(1, "can't be blank")
    .max(100, 'must be at most 100 characters'),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  userinfo_endpoint: endpoint.nullable().optional(),
  revocation_endpoint: endpoint.nullable().optional(),
  client_id: z.string({ error: 'is required' }).trim().min(1, "can't be blank").max(500),
  client_secret: z.string({ error: 'is required' }).min(1, "can't be blank").max(2000),
  scopes: z.array(scope).max(50, 'must hold at most 50 scopes').optional(),
};

const createSchema = z.object(fields);
const changeSchema = z.object(fields).partial();

export type OAuthClientInput = z.output<typeof createSchema>;
export type OAuthClientChanges = z.output<typeof changeSchema>;

export const parseOAuthClientInput = (body: unknown): OAuthClientInput =>
  parseBody(createSchema, body);
export const parseOAuthClientChanges = (body: unknown): OAuthClientChanges =>
  parseBody(changeSchema, body);
