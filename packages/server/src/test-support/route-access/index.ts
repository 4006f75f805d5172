// Every context's route-access rows, concatenated for the route × role matrix. Add a line per file.
import accounts from './accounts.js';
import admin from './admin.js';
import audit from './audit.js';
import collections from './collections.js';
import credentials from './credentials.js';
import editor from './editor.js';
import live from './live.js';
import notifications from './notifications.js';
import oauthClients from './oauth-clients.js';
import projects from './projects.js';
import runs from './runs.js';
import tokens from './tokens.js';
import type { RouteAccessFile } from './types.js';
import vcs from './vcs.js';
import workflows from './workflows.js';

export * from './types.js';

/** Context name (the key of `fixture.extra`) → its rows and setup. */
export const ROUTE_ACCESS_FILES: Record<string, RouteAccessFile> = {
  projects,
  workflows,
  runs,
  tokens,
  admin,
  audit,
  live,
  editor,
  notifications,
  accounts,
  credentials,
  collections,
  oauthClients,
  vcs,
};
