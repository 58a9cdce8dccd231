export * from './best-response.js';
export * from './next-hop.js';
export * from './response-context.js';
export * from './proxy-core.js';
export * from './flow-token.js';
export * from './proxy-supplement.js';
