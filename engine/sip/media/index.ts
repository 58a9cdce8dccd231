export * from './media-anchor.js';
