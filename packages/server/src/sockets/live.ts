// `GET /api/live`: the browser's live-update WebSocket. A signed-in user (session cookie, or a
// personal access token) subscribes to projects and runs; the server forwards what the cluster bus
// says about them, so a run handled by another node still shows up here (the bus crosses nodes over
// LISTEN/NOTIFY). Bus events are hints carrying ids and states; log lines are read from the database
// by the node that holds the browser's socket, so NOTIFY payloads stay small and nothing is lost
// when hints collapse.
//
// Client → server (JSON text frames):
//   {"subscribe": {"project_id": "…"}}   {"subscribe": {"run_id": "…"}}
//   {"unsubscribe": {"project_id": "…"}} {"unsubscribe": {"run_id": "…"}}
// Server → client: {"event": "…", "data": {…}} — see docs/api.md "Live updates".
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { BusEvent } from '../cluster/index.js';
import { type Database, queryRows } from '../db/index.js';
import type { Actor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { HttpError } from '../http/errors.js';
import { isSessionOriginAllowed, originCheck } from '../http/origin-check.js';
import { authorize } from '../projects/policy.js';
import { listLogLines } from '../runs/index.js';

export const LIVE_SOCKET_PATH = '/api/live';
/** Subscriptions one socket may hold at once (a browser tab needs a handful). */
export const MAX_SUBSCRIPTIONS = 50;
/** Log lines per `run:log` message. */
const LOG_BATCH = 500;
/** A socket this far behind (bytes queued) gets no more log batches until it drains. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const PING_INTERVAL_MS = 30_000;
/** At most this many client messages per window (a browser sends a few per page). */
const MAX_MESSAGES_PER_WINDOW = 200;
const MESSAGE_WINDOW_MS = 10_000;

/**
 * How often an open socket re-checks that its session still exists (not signed out, user not
 * disabled) and that every subscription is still allowed (membership removed, role lowered).
 * Mutable for tests only.
 */
export const liveSettings = { recheckIntervalMs: 60_000 };

const uuid = z.guid();
const target = z.union([z.strictObject({ project_id: uuid }), z.strictObject({ run_id: uuid })]);
const clientMessage = z.union([
  z.strictObject({ subscribe: target }),
  z.strictObject({ unsubscribe: target }),
]);

type Target = z.infer<typeof target>;

interface RunWatch {
  /** The last line sent: the next read starts after it. */
  cursor?: { at: string; id: string };
  reading: boolean;
  /** More lines were announced while reading. */
  again: boolean;
}

/** One browser socket and what it watches. */
class LiveConnection {
  readonly projects = new Set<string>();
  readonly runs = new Map<string, RunWatch>();
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly actor: Actor,
    private readonly hub: LiveHub,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  send(event: string, data: unknown): void {
    if (!this.isOpen) return;
    this.socket.send(JSON.stringify({ event, data }));
  }

  async receive(text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.send('error', { error: 'Messages must be JSON' });
      return;
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      this.send('error', {
        error:
          'Unknown message: send {"subscribe": {"project_id"|"run_id": "<uuid>"}} or {"unsubscribe": …}',
        message: json,
      });
      return;
    }
    const message = parsed.data;
    if ('unsubscribe' in message) {
      this.unsubscribe(message.unsubscribe);
      this.send('unsubscribed', message.unsubscribe);
      return;
    }
    await this.subscribe(message.subscribe);
  }

  private async subscribe(what: Target): Promise<void> {
    if (this.projects.size + this.runs.size >= MAX_SUBSCRIPTIONS) {
      this.send('error', {
        error: `At most ${MAX_SUBSCRIPTIONS} subscriptions per socket`,
        subscribe: what,
      });
      return;
    }
    try {
      if ('project_id' in what) {
        await authorize(this.hub.db, this.actor, what.project_id, 'run:read');
        if (this.closed) return;
        this.projects.add(what.project_id);
        this.hub.index(this);
        this.send('subscribed', what);
        return;
      }
      const projectId = await this.hub.projectOfRun(what.run_id);
      if (!projectId) throw new HttpError(404, `Run ${what.run_id} not found`);
      await authorize(this.hub.db, this.actor, projectId, 'run:read');
      if (this.closed) return;
      if (!this.runs.has(what.run_id)) {
        this.runs.set(what.run_id, { reading: false, again: false });
        this.hub.index(this);
      }
      this.send('subscribed', what);
      // The lines stored so far, then every later line as it is announced.
      this.readLogs(what.run_id);
    } catch (error) {
      const status = error instanceof HttpError ? error.statusCode : 500;
      if (status === 500) this.hub.logger.error({ err: error }, 'live subscription failed');
      this.send('error', {
        error: status === 500 ? 'The subscription failed' : (error as Error).message,
        status,
        subscribe: what,
      });
    }
  }

  private unsubscribe(what: Target): void {
    if ('project_id' in what) this.projects.delete(what.project_id);
    else this.runs.delete(what.run_id);
    this.hub.index(this);
  }

  /** Sends the run's lines after the last one sent, in batches, until none are left. */
  readLogs(runId: string): void {
    const watch = this.runs.get(runId);
    if (!watch) return;
    if (watch.reading) {
      watch.again = true;
      return;
    }
    watch.reading = true;
    void (async () => {
      try {
        do {
          watch.again = false;
          for (;;) {
            if (!this.isOpen || this.runs.get(runId) !== watch) return;
            // A slow reader: wait for the socket to drain rather than queueing a huge log in memory.
            while (this.isOpen && this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            const page = await listLogLines(this.hub.db, runId, {
              pageSize: LOG_BATCH,
              ...(watch.cursor ? { after: watch.cursor } : {}),
            });
            if (!page || page.data.length === 0) break;
            const last = page.data[page.data.length - 1]!;
            watch.cursor = { at: last.timestamp, id: last.id };
            this.send('run:log', { run_id: runId, lines: page.data });
            if (!page.meta.next_cursor) break;
          }
        } while (watch.again);
      } catch (error) {
        this.hub.logger.warn({ err: error, runId }, 'live log lines not read');
      } finally {
        watch.reading = false;
      }
    })();
  }

  /**
   * Drops what the actor may no longer watch (each with an error event), and closes the socket
   * (4401) when the session or token behind it is gone.
   */
  async recheck(): Promise<void> {
    if (!this.isOpen) return;
    const [valid] = await queryRows(
      this.hub.db,
      sql`SELECT 1 FROM user_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.id = ${this.actor.tokenId} AND NOT u.disabled`,
    );
    if (!valid) {
      this.socket.close(4401, 'session ended');
      return;
    }
    const targets: Target[] = [
      ...[...this.projects].map((project_id) => ({ project_id })),
      ...[...this.runs.keys()].map((run_id) => ({ run_id })),
    ];
    for (const target of targets) {
      try {
        const projectId =
          'project_id' in target ? target.project_id : await this.hub.projectOfRun(target.run_id);
        if (!projectId) throw new HttpError(404, 'Not found');
        await authorize(this.hub.db, this.actor, projectId, 'run:read');
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        this.unsubscribe(target);
        this.send('error', {
          error: 'You may no longer watch this',
          status: error.statusCode,
          subscribe: target,
        });
      }
    }
  }

  close(): void {
    this.closed = true;
    this.projects.clear();
    this.runs.clear();
    this.hub.remove(this);
  }
}

/** The node's one bus subscription, fanned out to the sockets watching each project and run. */
class LiveHub {
  private readonly connections = new Set<LiveConnection>();
  private readonly byProject = new Map<string, Set<LiveConnection>>();
  private readonly byRun = new Map<string, Set<LiveConnection>>();
  /** Workflows never change project: a bounded cache saves a query per event. */
  private readonly workflowProjects = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly context: ServerContext) {}

  get db(): Database {
    return this.context.db;
  }

  get logger() {
    return this.context.logger;
  }

  add(connection: LiveConnection): void {
    this.connections.add(connection);
    this.unsubscribe ??= this.context.bus.subscribe((event) => {
      this.dispatch(event).catch((error) => {
        this.logger.warn({ err: error, event: event.type }, 'live update not delivered');
      });
    });
  }

  remove(connection: LiveConnection): void {
    this.connections.delete(connection);
    this.index(connection);
    if (this.connections.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  /** Rebuilds the indexes after a connection's subscriptions changed (they are small). */
  index(connection: LiveConnection): void {
    for (const [key, set] of this.byProject) {
      if (!connection.projects.has(key)) set.delete(connection);
      if (set.size === 0) this.byProject.delete(key);
    }
    for (const [key, set] of this.byRun) {
      if (!connection.runs.has(key)) set.delete(connection);
      if (set.size === 0) this.byRun.delete(key);
    }
    if (!this.connections.has(connection)) return;
    for (const id of connection.projects) {
      const set = this.byProject.get(id) ?? new Set();
      set.add(connection);
      this.byProject.set(id, set);
    }
    for (const id of connection.runs.keys()) {
      const set = this.byRun.get(id) ?? new Set();
      set.add(connection);
      this.byRun.set(id, set);
    }
  }

  async projectOfRun(runId: string): Promise<string | null> {
    const [row] = await queryRows<{ project_id: string; workflow_id: string }>(
      this.db,
      sql`SELECT w.project_id, w.id AS workflow_id FROM runs r JOIN workflows w ON w.id = r.workflow_id
          WHERE r.id = ${runId}`,
    );
    if (row) this.remember(row.workflow_id, row.project_id);
    return row?.project_id ?? null;
  }

  private async projectOfWorkflow(workflowId: string): Promise<string | null> {
    const known = this.workflowProjects.get(workflowId);
    if (known) return known;
    const [row] = await queryRows<{ project_id: string }>(
      this.db,
      sql`SELECT project_id FROM workflows WHERE id = ${workflowId}`,
    );
    if (row) this.remember(workflowId, row.project_id);
    return row?.project_id ?? null;
  }

  private remember(workflowId: string, projectId: string): void {
    if (this.workflowProjects.size >= 10_000) this.workflowProjects.clear();
    this.workflowProjects.set(workflowId, projectId);
  }

  private async dispatch(event: BusEvent): Promise<void> {
    const runWatchers = 'runId' in event ? this.byRun.get(event.runId) : undefined;
    switch (event.type) {
      case 'run_logs':
        for (const connection of runWatchers ?? []) connection.readLogs(event.runId);
        return;
      case 'step_updated':
        for (const connection of runWatchers ?? []) {
          connection.send('step:updated', {
            run_id: event.runId,
            step_id: event.stepId,
            state: event.state,
          });
        }
        return;
      case 'run_available':
      case 'run_updated': {
        const state = event.type === 'run_available' ? 'available' : event.state;
        const data: Record<string, unknown> = {
          run_id: event.runId,
          work_order_id: event.type === 'run_updated' ? event.workOrderId : undefined,
          workflow_id: event.workflowId,
          state,
        };
        const name = event.type === 'run_available' ? 'run:created' : 'run:updated';
        let projectId: string | null = null;
        if (this.byProject.size > 0) {
          projectId = event.workflowId
            ? await this.projectOfWorkflow(event.workflowId)
            : await this.projectOfRun(event.runId);
        }
        data.project_id = projectId ?? undefined;
        const targets = new Set([
          ...(runWatchers ?? []),
          ...((projectId && this.byProject.get(projectId)) || []),
        ]);
        for (const connection of targets) connection.send(name, data);
        // The run's last lines may have been announced just before it finished.
        if (event.type === 'run_updated') {
          for (const connection of runWatchers ?? []) connection.readLogs(event.runId);
        }
        return;
      }
      case 'workflow_updated': {
        if (this.byProject.size === 0) return;
        const projectId = await this.projectOfWorkflow(event.workflowId);
        for (const connection of (projectId && this.byProject.get(projectId)) || []) {
          connection.send('workflow:updated', {
            workflow_id: event.workflowId,
            project_id: projectId,
            lock_version: event.lockVersion,
          });
        }
        return;
      }
      case 'work_order_updated': {
        if (this.byProject.size === 0) return;
        const projectId = await this.projectOfWorkflow(event.workflowId);
        for (const connection of (projectId && this.byProject.get(projectId)) || []) {
          connection.send('work_order:updated', {
            work_order_id: event.workOrderId,
            workflow_id: event.workflowId,
            project_id: projectId,
            state: event.state,
          });
        }
        return;
      }
    }
  }
}

/** Registers the route; `@fastify/websocket` must already be registered on `app`. */
export function registerLiveSocket(app: FastifyInstance, context: ServerContext): void {
  const hub = new LiveHub(context);
  const isOriginAllowed = originCheck(context.config);
  app.get(
    LIVE_SOCKET_PATH,
    {
      websocket: true,
      config: { rateLimit: false },
      preValidation: async (request, reply) => {
        if (!request.actor) return reply.code(401).send({ error: 'Unauthorized' });
        // A page of another site must not open a socket with the user's session cookie
        // (cross-site WebSocket hijacking): browsers always send Origin; it must be in ORIGINS.
        if (request.actor.via === 'session' && !isSessionOriginAllowed(request, isOriginAllowed)) {
          return reply.code(403).send({ error: 'Cross-origin live socket refused' });
        }
      },
    },
    (socket, request) => {
      const actor = request.actor;
      if (!actor) {
        socket.close(1008, 'unauthorized');
        return;
      }
      const connection = new LiveConnection(socket, actor, hub);
      hub.add(connection);
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, PING_INTERVAL_MS);
      ping.unref();
      const recheck = setInterval(() => {
        connection.recheck().catch((error) => {
          context.logger.warn({ err: error }, 'live socket re-check failed');
        });
      }, liveSettings.recheckIntervalMs);
      recheck.unref();
      socket.on('pong', () => {
        alive = true;
      });
      // Messages are handled one at a time, in order (a subscribe then an unsubscribe stay so).
      let queue = Promise.resolve();
      // Each subscription costs queries: a client sending more than a browser ever would is cut off.
      let windowStart = Date.now();
      let inWindow = 0;
      socket.on('message', (data, isBinary) => {
        const now = Date.now();
        if (now - windowStart > MESSAGE_WINDOW_MS) {
          windowStart = now;
          inWindow = 0;
        }
        inWindow += 1;
        if (inWindow > MAX_MESSAGES_PER_WINDOW) {
          socket.close(1008, 'too many messages');
          return;
        }
        if (isBinary) {
          connection.send('error', { error: 'Messages must be JSON text' });
          return;
        }
        const text = data.toString();
        queue = queue.then(() => connection.receive(text));
      });
      socket.on('close', () => {
        clearInterval(ping);
        clearInterval(recheck);
        connection.close();
      });
      socket.on('error', () => {});
    },
  );
}
