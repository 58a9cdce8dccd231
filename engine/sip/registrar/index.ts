export * from './registrar.js';
export * from './qualify.js';
