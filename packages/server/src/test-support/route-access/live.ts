// Route access of the web app's live-update socket (sockets/live.ts).
import type { RouteAccessFile } from './types.js';

const live: RouteAccessFile = {
  rows: [
    {
      method: 'GET',
      url: '/api/live',
      access: 'authenticated',
      skip: 'a WebSocket upgrade; sockets/live.test.ts checks 401 without a session and each subscription against run:read',
    },
  ],
};
export default live;
