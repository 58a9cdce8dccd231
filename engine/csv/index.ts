export * from './csv-errors.js';
export * from './csv.js';
export * from './formula-guard.js';
export * from './user-csv.js';
export * from './cdr-csv.js';
