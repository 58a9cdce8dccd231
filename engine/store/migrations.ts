import { createBindingsTable } from './binding-repository.js';
import { createCdrTable } from './cdr-repository.js';
import type { Migration } from './migration.js';
import { createPhonesTables } from './phone-repository.js';
import { createVoicemailTable } from './voicemail-repository.js';
import { createVoicemailSettingsTable } from './voicemail-settings-repository.js';

/**
 * The schema, oldest step first. Append new steps at the end with the next version number; never edit
 * or reorder a step that has shipped (databases in the field already ran it). `PRAGMA user_version`
 * holds the last version applied.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users and settings',
    up(db) {
      db.exec(`
        CREATE TABLE users (
          extension     TEXT PRIMARY KEY,
          name          TEXT NOT NULL,
          secret        TEXT NOT NULL,
          email         TEXT NOT NULL DEFAULT '',
          voicemail_pin TEXT NOT NULL DEFAULT '',
          created_at    INTEGER NOT NULL,
          updated_at    INTEGER NOT NULL
        );
        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'registrations (bindings)',
    up: createBindingsTable,
  },
  {
    version: 3,
    name: 'call detail records (cdr)',
    up: createCdrTable,
  },
  {
    version: 4,
    name: 'phones (provisioning)',
    up: createPhonesTables,
  },
  {
    version: 5,
    name: 'voicemail messages',
    up: createVoicemailTable,
  },
  {
    version: 6,
    name: 'voicemail settings per user',
    up: createVoicemailSettingsTable,
  },
];
