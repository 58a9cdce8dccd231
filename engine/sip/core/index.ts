export * from './make-response.js';
