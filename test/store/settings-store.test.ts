import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import { openDatabase, SettingsStore } from '../../engine/store/index.js';
import { tempDir } from './temp-dir.js';

const log = new LogRoot('silent').logger('store');

it('settings: get, set, overwrite, delete, and they survive reopening', () => {
  const tmp = tempDir();
  try {
    const file = tmp.file('pbx.db');
    const db = openDatabase(file, log);
    const s = new SettingsStore(db);
    assert.equal(s.get('missing'), undefined);
    s.set('greeting', 'hello');
    s.set('greeting', "it's; DROP TABLE settings; --");
    s.set('other', 'x');
    assert.equal(s.delete('other'), true);
    assert.equal(s.delete('other'), false);
    db.close();

    const reopened = openDatabase(file, log);
    const s2 = new SettingsStore(reopened);
    assert.equal(s2.get('greeting'), "it's; DROP TABLE settings; --");
    assert.equal(s2.get('other'), undefined);
    reopened.close();
  } finally {
    tmp.remove();
  }
});
