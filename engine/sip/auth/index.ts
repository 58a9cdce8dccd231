export * from './auth-header.js';
export * from './digest.js';
export * from './nonce-manager.js';
export * from './auth-guard.js';
export * from './digest-authenticator.js';
export * from './ha1-cache.js';
