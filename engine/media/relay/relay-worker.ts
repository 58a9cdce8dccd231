/**
 * Entry point of a forwarding worker thread (started by RelayWorkerHandle). Packet forwarding runs here, off
 * the main event loop, so that SIP signalling stays responsive however much media flows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerCallTable } from './worker-call-table.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('relay-worker.js runs only as a worker thread');
const table = new WorkerCallTable(workerData as WorkerConfig, (msg: FromWorker) => port.postMessage(msg));
port.on('message', (msg: ToWorker) => void table.handle(msg));
