import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log/index.js';
import type { ForwardingWorker, ForwardingWorkerDelegate, WorkerRequest } from './forwarding-worker.js';
import type { FromWorker, WorkerConfig, WorkerReply } from './worker-protocol.js';

/**
 * The main thread's end of one forwarding worker: request/reply over postMessage, and a fresh worker in
 * the same slot if one dies (its calls' sockets died with it; the next sync of a call rebuilds them, and
 * a delete of one it no longer knows still releases the call's ports on the main thread).
 */
export class RelayWorkerHandle implements ForwardingWorker {
  private worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }
  >();
  private nextReq = 1;
  /** close() has begun: refuse new requests. */
  private closing = false;
  /** The thread is being ended on purpose: do not replace it. */
  private stopping = false;
  /** Calls assigned to this worker. */
  calls = 0;

  constructor(
    readonly id: number,
    private readonly config: WorkerConfig,
    private readonly delegate: ForwardingWorkerDelegate,
    private readonly log: Logger,
  ) {
    this.worker = this.spawn();
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  request(msg: WorkerRequest): Promise<WorkerReply> {
    if (this.closing) return Promise.reject(new Error('media relay is closed'));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject });
      this.worker.postMessage({ ...msg, req });
    });
  }

  /** Closes every socket of the worker, then ends its thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.stopping = true;
    const shutdown = this.request({ op: 'shutdown' });
    this.closing = true;
    try {
      await Promise.race([shutdown, new Promise((r) => setTimeout(r, 2000).unref())]);
    } catch {
      // already gone
    }
    await this.worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./relay-worker.js', import.meta.url), {
      workerData: this.config,
      name: `media-relay-${this.id}`,
    });
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.log.error('media relay worker failed', { worker: this.id, err }));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      const gone = new Error(`media relay worker ${this.id} exited (code ${code})`);
      for (const p of this.pending.values()) p.reject(gone);
      this.pending.clear();
      if (this.stopping) return;
      this.log.error('media relay worker exited; starting another; its calls lose media until re-offered', {
        worker: this.id,
        code,
        calls: this.calls,
      });
      this.worker = this.spawn();
    });
    return worker;
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.kind) {
      case 'reply': {
        const p = this.pending.get(msg.req);
        if (!p) return;
        this.pending.delete(msg.req);
        p.resolve(msg);
        return;
      }
      case 'timeout':
        this.delegate.onMediaTimeout(msg.call);
        return;
      case 'log':
        this.log[msg.level](msg.msg, { worker: this.id, ...msg.fields });
        return;
    }
  }
}
