// A local stand-in for Sentry's ingestion API, for the error-reporting tests: it accepts what the
// real SDK sends to `POST /api/<project>/envelope/` (the envelope format: a header line, then an
// item header and an item payload per item, gzip when large), checks the DSN's public key, keeps
// every envelope's raw text (to search it for secrets) and hands out the events as they arrive.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface SentryEnvelope {
  /** The envelope as received (decompressed), to assert what it must not contain. */
  raw: string;
  header: Record<string, unknown>;
  items: Array<{ header: { type: string; length?: number }; payload: unknown }>;
}

export interface SentryStandIn {
  /** A DSN pointing here: `http://<key>@127.0.0.1:<port>/<project>`. */
  dsn: string;
  envelopes: SentryEnvelope[];
  /** Resolves with the next event item (one already received and not yet taken first). */
  nextEvent(): Promise<{ event: Record<string, unknown>; envelope: SentryEnvelope }>;
  /** Requests refused (wrong path or key), with the reason. */
  refused: string[];
  close(): Promise<void>;
}

const PUBLIC_KEY = 'f00dfacef00dfacef00dfacef00dface';
const PROJECT = '42';

function parseEnvelope(raw: string): SentryEnvelope {
  const lines = raw.split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  const items: SentryEnvelope['items'] = [];
  for (let i = 1; i < lines.length; i += 2) {
    if (!lines[i]) continue;
    const itemHeader = JSON.parse(lines[i]!) as { type: string; length?: number };
    const text = lines[i + 1] ?? '';
    items.push({
      header: itemHeader,
      payload: itemHeader.type === 'attachment' ? text : JSON.parse(text),
    });
  }
  return { raw, header, items };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString(
    'utf8',
  );
}

export async function startSentryStandIn(): Promise<SentryStandIn> {
  const envelopes: SentryEnvelope[] = [];
  const refused: string[] = [];
  const queued: Array<{ event: Record<string, unknown>; envelope: SentryEnvelope }> = [];
  const waiting: Array<(value: (typeof queued)[number]) => void> = [];
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const key =
      url.searchParams.get('sentry_key') ??
      /sentry_key=([^,\s]+)/.exec(String(request.headers['x-sentry-auth'] ?? ''))?.[1];
    if (request.method !== 'POST' || url.pathname !== `/api/${PROJECT}/envelope/`) {
      refused.push(`${request.method} ${url.pathname}`);
      response.writeHead(404).end();
      return;
    }
    if (key !== PUBLIC_KEY) {
      refused.push(`key ${key}`);
      response.writeHead(401).end();
      return;
    }
    const envelope = parseEnvelope(await readBody(request));
    envelopes.push(envelope);
    for (const item of envelope.items) {
      if (item.header.type !== 'event') continue;
      const entry = { event: item.payload as Record<string, unknown>, envelope };
      const waiter = waiting.shift();
      if (waiter) waiter(entry);
      else queued.push(entry);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://${PUBLIC_KEY}@127.0.0.1:${port}/${PROJECT}`,
    envelopes,
    refused,
    nextEvent: () => {
      const entry = queued.shift();
      return entry ? Promise.resolve(entry) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
