export * from './engine-config.js';
