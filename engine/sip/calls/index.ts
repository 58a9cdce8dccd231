export * from './call-record.js';
export * from './call-tracker.js';
