import type { ToWorker, WorkerReply } from './worker-protocol.js';

/** A control request without its request number (the handle numbers them). */
export type WorkerRequest = ToWorker extends infer T ? (T extends unknown ? Omit<T, 'req'> : never) : never;

export interface ForwardingWorkerDelegate {
  onMediaTimeout(callHandle: number): void;
}

/**
 * What the relay's control talks to for one forwarding thread: a Node worker thread (RelayWorkerHandle) or
 * a thread of the native addon (NativeWorkerHandle). Both take the same requests and give the same replies.
 */
export interface ForwardingWorker {
  /** The thread's id (Node's threadId, or the kernel's for a native thread); for the console only. */
  readonly threadId: number;
  /** Calls assigned to this worker (kept by the control). */
  calls: number;
  request(msg: WorkerRequest): Promise<WorkerReply>;
  /** Closes every socket of the worker, then ends its thread. */
  close(): Promise<void>;
}
