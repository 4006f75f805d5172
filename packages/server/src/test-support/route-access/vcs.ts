// Route access of version control. The matrix's server has no GitHub App configured, so only the
// status route exists there; the app's own routes (registered when it is configured) are checked
// in vcs/*.test.ts against the GitHub stand-in.
import type { RouteAccessFile } from './types.js';

const vcs: RouteAccessFile = {
  rows: [{ method: 'GET', url: '/api/github', access: 'authenticated' }],
};
export default vcs;
