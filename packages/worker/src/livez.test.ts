import { startLivez } from './livez.js';

describe('livez', () => {
  it('answers 200 on GET /livez and /, 404 elsewhere', async () => {
    const livez = await startLivez(0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${livez.port}`;
      expect((await fetch(`${base}/livez`)).status).toBe(200);
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/claim`, { method: 'POST' })).status).toBe(404);
    } finally {
      await livez.close();
    }
  });
});
