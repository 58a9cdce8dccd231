export * from './builtin-relay.js';
export * from './builtin-relay-options.js';
export * from './port-pool.js';
export * from './rtp-receive-stats.js';
export * from './source-latch.js';
