// P6 (PERFORMANCE.md): large webhook bodies against MAX_DATACLIP_SIZE_MB=10. A 1 GB body sent
// chunked (no Content-Length, so the server must count while streaming) must be refused with 413
// costing ≤ 8 MiB of extra RSS; an accepted body just under 10 MB must cost ≤ 3× its size in peak
// extra RSS. RSS of the server process is sampled every 5 ms while each request is in flight.
//
// Run: npm run build && node bench/webhook-large-body.js
// Knob: DATABASE_URL=postgresql://… to run against PostgreSQL (a separate process, so the figures
// are the server's alone); without it the embedded PGlite lives in the server process and its
// memory counts too.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiUser } from './api-user.js';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';
import { treeRssBytes } from './process-tree.js';
import { provisionWebhookWorkflow } from './provision.js';

const MiB = 2 ** 20;
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));

/** Samples the RSS of `pid` until `stop()`; returns the peak. */
function sampleRss(pid) {
  let peak = treeRssBytes(pid).bytes;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssBytes(pid).bytes);
  }, 5);
  return () => {
    clearInterval(timer);
    return Math.max(peak, treeRssBytes(pid).bytes);
  };
}

/** Streams `total` bytes chunked; resolves with the status and how much was sent when answered. */
function streamBody(url, total, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const chunk = Buffer.alloc(256 * 1024, 'a');
    let sent = 0;
    let answered = false;
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' },
    });
    request.on('response', (response) => {
      answered = true;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, sent }));
      request.destroy();
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        const part = sent + chunk.length > total ? chunk.subarray(0, total - sent) : chunk;
        sent += part.length;
        if (!request.write(part)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

let instance;
try {
  printHardware();
  const env = {
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    LIGHTNING_DATA_DIR: dataDir,
    MAX_DATACLIP_SIZE_MB: '10',
    LOG_LEVEL: 'warn',
  };
  const headers = await createApiUser(env);
  instance = await startInstance('server', env);
  const { webhookUrl: url } = await provisionWebhookWorkflow(instance.url, { headers });
  const pid = instance.child.pid;

  // Warm the route (JIT, pools) with a small request first, then let the process settle.
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const baseline = treeRssBytes(pid).bytes;
  const stopHuge = sampleRss(pid);
  const huge = await streamBody(url, 1_000_000_000);
  const hugePeak = stopHuge();
  console.log(
    `database: ${process.env.DATABASE_URL ? 'PostgreSQL (separate process)' : 'PGlite (in the server process)'}\n` +
      `P6 1 GB chunked body, limit 10 MB: ${huge.status} after ${(huge.sent / MiB).toFixed(1)} MiB sent; peak extra RSS ${((hugePeak - baseline) / MiB).toFixed(1)} MiB (target 413, ≤ 8 MiB)`,
  );

  await new Promise((resolve) => setTimeout(resolve, 2000));
  // Just under the limit: a JSON object whose text is 9,999,000 bytes.
  const size = 9_999_000;
  const text = `{"data":"${'x'.repeat(size - 11)}"}`;
  const before = treeRssBytes(pid).bytes;
  const stopAccepted = sampleRss(pid);
  const accepted = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
  await accepted.text();
  const acceptedPeak = stopAccepted();
  console.log(
    `P6 ${(size / 1e6).toFixed(2)} MB body accepted: ${accepted.status}; peak extra RSS ${((acceptedPeak - before) / MiB).toFixed(1)} MiB = ${((acceptedPeak - before) / size).toFixed(2)}× the body (target ≤ 3×)`,
  );
} finally {
  await instance?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
