// The auto-attendant's configuration (issue 6): model, rules, business hours, menu entry, store.
export * from './attendant-config.js';
export * from './attendant-validation.js';
export * from './attendant-store.js';
export * from './business-hours.js';
export * from './menu-entry.js';
