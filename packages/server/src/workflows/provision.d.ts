import { type Database } from '../db/index.js';
export interface ProjectDocument {
  id: string;
  name: string;
  description?: string;
  inserted_at: string;
  updated_at: string;
  project_credentials: {
    id: string;
    name: string;
    owner: string;
  }[];
  collections: unknown[];
  workflows: Record<string, unknown>[];
}
/**
 * Creates or updates a project from a provisioning document, all or nothing, and returns the
 * stored document. 400 for a malformed document, 422 listing every rule broken, 409 for a stale
 * workflow lock_version.
 */
export declare function provisionProject(db: Database, body: unknown): Promise<ProjectDocument>;
/** The provisioning document of a project (live workflows only), as `GET /api/provision/:id`. */
export declare function describeProject(db: Database, id: string): Promise<ProjectDocument>;
/** The document as YAML (`GET /api/provision/:id?format=yaml`); parses back to the same JSON. */
export declare function toYaml(document: ProjectDocument): string;
