// Shapes of the API's JSON (snake_case, as the server sends them). See /work/helpers/API-CONTRACT.md
// and docs/api.md. Keep them close to the wire; screens derive what they show.

export interface User {
  id: string;
  email: string;
  first_name: string;
  last_name: string | null;
  role: 'user' | 'superuser';
  mfa_enabled: boolean;
  confirmed: boolean;
  inserted_at: string;
}

export interface Instance {
  allow_signup: boolean;
  require_email_verification: boolean;
  mail_provider: string;
  has_users: boolean;
  /** The password rules the server enforces, in words. */
  password_rules?: string[];
  /** Single sign-on (SSO_ISSUER): the sign-in page offers it when enabled. */
  sso?: { enabled: boolean };
}

export type ProjectRole = 'owner' | 'admin' | 'editor' | 'viewer';

export interface Project {
  id: string;
  name: string;
  description: string | null;
  role: ProjectRole | null;
  inserted_at: string;
  concurrency?: number | null;
  retention_policy?: string | null;
  history_retention_period?: number | null;
  dataclip_retention_period?: number | null;
  requires_mfa?: boolean;
}

export interface Member {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string | null;
  role: ProjectRole;
  failure_alert: boolean;
  digest: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  inserted_at: string;
  last_used_at: string | null;
}

export interface AdminUser extends User {
  disabled: boolean;
  project_count: number;
}

export interface CredentialSchema {
  name: string;
  schema: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  format?: string;
  enum?: unknown[];
  default?: unknown;
  writeOnly?: boolean;
  minLength?: number;
  [key: string]: unknown;
}

export interface ProjectCredential {
  project_credential_id: string;
  credential_id: string;
  name: string;
  schema: string;
  owner_email: string;
}

export interface Data<T> {
  data: T;
}

/** Role order, least to most: a role may do what every role before it may. */
export const ROLE_ORDER: ProjectRole[] = ['viewer', 'editor', 'admin', 'owner'];

export function roleAtLeast(role: ProjectRole | null | undefined, least: ProjectRole): boolean {
  if (!role) return false;
  return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(least);
}
