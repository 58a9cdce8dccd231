export * from './binding.js';
export * from './location-service.js';
