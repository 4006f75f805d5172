// The browser's end of `GET /api/live` (docs/api.md "Live updates"): one WebSocket per tab, shared
// by every screen. Screens subscribe to a project or a run and get its events; the socket
// reconnects with backoff and re-subscribes, and tells listeners so they re-read what they show.

export interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface LogLine {
  id: string;
  run_id: string;
  step_id: string | null;
  source: string | null;
  level: string;
  message: string;
  timestamp: string;
}

type Listener = (event: LiveEvent) => void;
type Target = { project_id: string } | { run_id: string };

const keyOf = (target: Target) =>
  'project_id' in target ? `project:${target.project_id}` : `run:${target.run_id}`;

class LiveSocket {
  private socket: WebSocket | null = null;
  private readonly listeners = new Map<string, { target: Target; listeners: Set<Listener> }>();
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Listens to a project's or run's events until the returned function is called. */
  subscribe(target: Target, listener: Listener): () => void {
    const key = keyOf(target);
    let entry = this.listeners.get(key);
    if (!entry) {
      entry = { target, listeners: new Set() };
      this.listeners.set(key, entry);
      this.send({ subscribe: target });
    }
    entry.listeners.add(listener);
    this.ensureOpen();
    return () => {
      const current = this.listeners.get(key);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.listeners.delete(key);
        this.send({ unsubscribe: target });
      }
    };
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private ensureOpen(): void {
    if (this.socket || this.timer) return;
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/live`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      for (const { target } of this.listeners.values()) this.send({ subscribe: target });
      // After a reconnect, what happened meanwhile was not pushed: listeners re-read.
      this.broadcast({ event: 'live:connected', data: {} });
    };
    socket.onmessage = (message) => {
      let parsed: LiveEvent;
      try {
        parsed = JSON.parse(String(message.data)) as LiveEvent;
      } catch {
        return;
      }
      this.dispatch(parsed);
    };
    socket.onclose = (event) => {
      this.socket = null;
      this.broadcast({ event: 'live:disconnected', data: { code: event.code } });
      // 4401: the session ended (signed out elsewhere); the next API call leads to sign-in.
      if (this.listeners.size === 0 || event.code === 4401) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.ensureOpen();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 15_000);
    };
  }

  private dispatch(message: LiveEvent): void {
    const { data } = message;
    const keys = new Set<string>();
    if (typeof data.project_id === 'string') keys.add(`project:${data.project_id}`);
    if (typeof data.run_id === 'string') keys.add(`run:${data.run_id}`);
    if (message.event === 'subscribed' || message.event === 'error') {
      const target = (data.subscribe as Target | undefined) ?? (data as unknown as Target);
      if (target && ('project_id' in target || 'run_id' in target)) {
        keys.clear();
        keys.add(keyOf(target));
      }
    }
    for (const key of keys) {
      for (const listener of this.listeners.get(key)?.listeners ?? []) listener(message);
    }
  }

  private broadcast(message: LiveEvent): void {
    for (const { listeners } of this.listeners.values()) {
      for (const listener of listeners) listener(message);
    }
  }
}

export const live = new LiveSocket();
