import type { ServerResponse } from 'node:http';

/** What changed; the console re-reads the matching resource. */
export type LiveTopic = 'registrations' | 'calls' | 'cdr' | 'users' | 'status' | 'phones' | 'voicemail';

export interface LiveEventsOptions {
  /** Changes are gathered for this long and sent as one event (250 ms by default). */
  coalesceMs?: number;
  /** A comment line this often keeps proxies and idle timers from closing the stream (15 s). */
  keepAliveMs?: number;
  /** Most streams at once (50); the oldest is closed to make room. */
  maxClients?: number;
}

/**
 * Server-sent events for the console: `event: change` with the topics that changed, at most one event per
 * coalescing window, so a burst of 1,000 REGISTERs costs the browser one refresh. `notify()` is cheap
 * when nobody listens (the SIP hot path calls it).
 */
export class LiveEvents {
  private readonly clients = new Set<ServerResponse>();
  private readonly pending = new Set<LiveTopic>();
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly coalesceMs: number;
  private readonly keepAliveMs: number;
  private readonly maxClients: number;

  constructor(options: LiveEventsOptions = {}) {
    this.coalesceMs = options.coalesceMs ?? 250;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxClients = options.maxClients ?? 50;
  }

  get listeners(): number {
    return this.clients.size;
  }

  notify(topic: LiveTopic): void {
    if (this.clients.size === 0) return;
    this.pending.add(topic);
    this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Takes over an HTTP response as an event stream until the client goes away. */
  attach(res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      const oldest = this.clients.values().next().value;
      if (oldest) this.detach(oldest, true);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
    });
    res.write(`retry: 2000\nevent: hello\ndata: {}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.detach(res, false));
    this.keepAlive ??= setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, this.keepAliveMs);
  }

  close(): void {
    for (const c of [...this.clients]) this.detach(c, true);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private detach(res: ServerResponse, end: boolean): void {
    if (!this.clients.delete(res)) return;
    if (end) res.end();
    if (this.clients.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const data = `event: change\ndata: ${JSON.stringify({ topics: [...this.pending] })}\n\n`;
    this.pending.clear();
    for (const c of this.clients) c.write(data);
  }
}
