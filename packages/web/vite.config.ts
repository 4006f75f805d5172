// Builds the single-page app into dist/, which the server serves from the same origin. Routes are
// lazy chunks so the first load stays small; `npm run dev -w @lightning/web` proxies the API to a
// server on :4000 (LIGHTNING_URL to change it).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const target = process.env.LIGHTNING_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    // The per-plugin timing report is noise in `npm install` output on a busy machine.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    proxy: {
      '/api': { target, ws: true },
      '/i': target,
      '/health': target,
    },
  },
});
