export * from './make-response.js';
export * from './random-pool.js';
