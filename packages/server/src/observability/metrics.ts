// The server's Prometheus metrics (prom-client), one registry per server instance so that several
// servers in one process (tests, the embedded mode) never mix their numbers. The `lightning_run_*`
// names, types and buckets are OpenFn Lightning's PromEx plugin's, so dashboards and alerts made
// for Lightning keep working; the rest is what any Node service behind Prometheus should expose.
//
// Recording is always on and costs a few additions; only PROMEX_ENABLED decides whether the
// registry is served (metrics-route.ts) and whether the periodic queries and process sampling run.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  /** Milliseconds from a run's insertion to its start (observed at `run:start`). */
  runQueueDelay: Histogram;
  /** Runs the lost-run sweep marked lost (counted by the node that swept). */
  lostRuns: Counter;
  /** The periodic gauges of run-queue-metrics.ts. */
  runQueue: {
    available: Gauge;
    stalled: Gauge;
    finalised: Gauge;
    claimAverageDuration: Gauge;
    impededProjects: Gauge;
  };
  /** Every HTTP request by method, route pattern and status code. */
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Webhook requests by the status they were answered with. */
  webhookRequests: Counter<'status_code'>;
  /** Runs handed to workers by claims on this node. */
  claimedRuns: Counter;
  /** Runs that ended, by final state, as reported to this node. */
  runOutcomes: Counter<'state'>;
  /** Worker sockets open on this node. */
  workerConnections: Gauge;
}

/** Lightning's buckets for the queue delay (milliseconds). */
const QUEUE_DELAY_BUCKETS = [100, 200, 400, 800, 1_500, 5_000, 15_000, 30_000, 50_000, 100_000];

export interface ServerMetricsOptions {
  /** PROMEX_EXPENSIVE_METRICS_ENABLED: only then is the impeded-projects gauge exposed. */
  expensiveMetrics?: boolean;
}

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  return {
    registry,
    runQueueDelay: new Histogram({
      name: 'lightning_run_queue_delay_milliseconds',
      help: 'Queue delay for runs: from insertion to start, in milliseconds',
      buckets: QUEUE_DELAY_BUCKETS,
      registers,
    }),
    lostRuns: new Counter({
      name: 'lightning_run_lost_count',
      help: 'A counter of lost runs',
      registers,
    }),
    runQueue: {
      available: gauge(
        'lightning_run_queue_available_count',
        'The number of available runs in the queue',
      ),
      stalled: gauge(
        'lightning_run_queue_stalled_count',
        'The count of runs stuck in the `available` state longer than METRICS_STALLED_RUN_THRESHOLD_SECONDS',
      ),
      finalised: gauge(
        'lightning_run_queue_finalised_count',
        'The number of runs finalised during the last polling period',
      ),
      claimAverageDuration: gauge(
        'lightning_run_queue_claim_average_duration_milliseconds',
        'The average time taken before a run is claimed, in milliseconds',
      ),
      impededProjects: new Gauge({
        name: 'lightning_run_project_impeded_count',
        help: 'The count of projects impeded due to lack of worker capacity',
        registers: options.expensiveMetrics ? registers : [],
      }),
    },
    httpRequestDuration: new Histogram({
      name: 'lightning_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code, in seconds',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookRequests: new Counter({
      name: 'lightning_webhook_requests_total',
      help: 'Webhook requests (POST /i/:trigger_id) by response status code',
      labelNames: ['status_code'],
      registers,
    }),
    claimedRuns: new Counter({
      name: 'lightning_runs_claimed_total',
      help: 'Runs handed to workers by claims on this node',
      registers,
    }),
    runOutcomes: new Counter({
      name: 'lightning_runs_finished_total',
      help: 'Runs that ended, by final state, as reported by workers to this node',
      labelNames: ['state'],
      registers,
    }),
    workerConnections: gauge('lightning_worker_connections', 'Worker sockets open on this node'),
  };
}

/** Starts sampling the process (CPU, memory, event loop lag, GC, handles) into the registry. */
export function collectProcessMetrics(metrics: ServerMetrics): void {
  collectDefaultMetrics({ register: metrics.registry });
}
