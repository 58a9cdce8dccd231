export * from './user.js';
export * from './user-persistence.js';
export * from './directory-errors.js';
export * from './credentials.js';
export * from './user-validation.js';
export * from './user-directory.js';
