export * from './database-types.js';
export * from './migration.js';
export * from './migrations.js';
export * from './migrate.js';
export * from './open-database.js';
export * from './settings-store.js';
export * from './sqlite-user-store.js';
