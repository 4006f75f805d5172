import { readWorkerSocketQuery, workerSocketUrl } from './worker-socket-url.js';

describe('worker socket URL', () => {
  it('appends /websocket and the query the OpenFn worker sends', () => {
    expect(
      workerSocketUrl('ws://localhost:4000/worker', { token: 'a.b.c', workerVersion: '1.25.0' }),
    ).toBe(
      'ws://localhost:4000/worker/websocket?token=a.b.c&api_version=1.2&worker_version=1.25.0&vsn=2.0.0',
    );
  });

  it('does not double a trailing slash', () => {
    const url = new URL(
      workerSocketUrl('wss://example.org/worker/', { token: 't', workerVersion: '1' }),
    );
    expect(url.pathname).toBe('/worker/websocket');
  });

  it('reads the query back on the server, with missing values as null', () => {
    const url = new URL(workerSocketUrl('ws://h/worker', { token: 'a.b.c', workerVersion: '1' }));
    expect(readWorkerSocketQuery(url.searchParams)).toEqual({
      token: 'a.b.c',
      apiVersion: '1.2',
      workerVersion: '1',
      vsn: '2.0.0',
    });
    expect(readWorkerSocketQuery('token=&vsn=2.0.0').token).toBeNull();
  });
});
