import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LogRoot } from '../../engine/log/index.js';
import { encodeWav, parseWav, wavHeader } from '../../engine/media/audio/wav-file.js';
import { VoicemailBoxes } from '../../engine/media/apps/voicemail-boxes.js';
import { openDatabase, schemaVersion, VoicemailRepository } from '../../engine/store/index.js';
import { tempDir } from './temp-dir.js';

const log = new LogRoot('silent').logger('voicemail');
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

describe('VoicemailRepository', () => {
  const tmp = tempDir('vm-repo-');
  after(() => tmp.remove());

  it('inserts a recording message named <id>.wav, finishes it, lists newest first, sets heard, deletes', () => {
    const db = openDatabase(tmp.file('a.db'), log);
    try {
      assert.ok(schemaVersion(db) >= 5);
      const repo = new VoicemailRepository(db);
      const a = repo.insert({ mailbox: '201', caller: '202', callerName: 'Bob', created: T0 });
      assert.equal(a.file, `${a.id}.wav`);
      assert.equal(a.recording, true);
      assert.equal(a.seconds, 0);
      assert.equal(a.heard, false);
      assert.equal(a.callerName, 'Bob');
      repo.finish(a.id, 12.345);
      const b = repo.insert({ mailbox: '201', caller: '203', created: T0 + 1000 });
      repo.insert({ mailbox: '205', caller: '203', created: T0 + 2000 });
      assert.equal(b.callerName, null);
      assert.deepEqual(
        repo.list('201').map((m) => m.id),
        [b.id, a.id],
      );
      const done = repo.get(a.id)!;
      assert.equal(done.seconds, 12.3);
      assert.equal(done.recording, false);
      assert.equal(repo.setHeard(a.id, true), true);
      assert.equal(repo.get(a.id)!.heard, true);
      assert.equal(repo.setHeard(9999, true), false);
      assert.equal(repo.delete(a.id), true);
      assert.equal(repo.delete(a.id), false);
      assert.equal(repo.get(a.id), undefined);
      assert.equal(repo.all().length, 2);
    } finally {
      db.close();
    }
  });
});

describe('VoicemailBoxes', () => {
  const tmp = tempDir('vm-boxes-');
  after(() => tmp.remove());

  it('keeps files under <root>/<extension>/<id>.wav, hides messages still recording, deletes row and file', () => {
    const db = openDatabase(tmp.file('b.db'), log);
    try {
      const boxes = new VoicemailBoxes(new VoicemailRepository(db), tmp.file('voicemail'), log);
      const { message, file } = boxes.start({ mailbox: '201', caller: '202', created: T0 });
      assert.equal(file, path.join(tmp.dir, 'voicemail', '201', `${message.id}.wav`));
      fs.writeFileSync(file, encodeWav(new Int16Array(8000 * 3), 8000));
      assert.deepEqual(boxes.list('201'), [], 'a message being recorded is not listed');
      assert.equal(boxes.get('201', message.id), undefined);
      boxes.finish(message.id, 3);
      assert.equal(boxes.list('201').length, 1);
      assert.equal(boxes.get('202', message.id), undefined, 'another mailbox does not see it');
      assert.equal(boxes.setHeard('201', message.id, true)!.heard, true);
      assert.equal(boxes.delete('202', message.id), false);
      assert.equal(boxes.delete('201', message.id), true);
      assert.ok(!fs.existsSync(file));
      assert.deepEqual(boxes.list('201'), []);
    } finally {
      db.close();
    }
  });

  it('finds a custom greeting', () => {
    const db = openDatabase(tmp.file('g.db'), log);
    try {
      const boxes = new VoicemailBoxes(new VoicemailRepository(db), tmp.file('voicemail-g'), log);
      assert.equal(boxes.customGreeting('201'), undefined);
      fs.mkdirSync(boxes.dir('201'), { recursive: true });
      fs.writeFileSync(boxes.greetingFile('201'), encodeWav(new Int16Array(800), 8000));
      assert.equal(boxes.customGreeting('201'), path.join(tmp.dir, 'voicemail-g', '201', 'greeting.wav'));
    } finally {
      db.close();
    }
  });

  it('at start-up drops rows without a file and finishes a recording a crash interrupted', () => {
    const dbFile = tmp.file('c.db');
    const root = tmp.file('voicemail-c');
    let crashed: number;
    let gone: number;
    let kept: number;
    {
      const db = openDatabase(dbFile, log);
      const boxes = new VoicemailBoxes(new VoicemailRepository(db), root, log);
      // A finished message whose file someone removed.
      const g = boxes.start({ mailbox: '201', caller: '202', created: T0 });
      boxes.finish(g.message.id, 5);
      gone = g.message.id;
      // A finished message with its file.
      const k = boxes.start({ mailbox: '201', caller: '203', created: T0 + 1000 });
      fs.writeFileSync(k.file, encodeWav(new Int16Array(8000 * 4), 8000));
      boxes.finish(k.message.id, 4);
      kept = k.message.id;
      // A recording cut off by a crash: the header counts 1 s, 2.5 s are on disk.
      const c = boxes.start({ mailbox: '202', caller: '201', created: T0 + 2000 });
      fs.writeFileSync(c.file, Buffer.concat([wavHeader(8000, 16000), Buffer.alloc(40000)]));
      crashed = c.message.id;
      db.close();
    }
    const db = openDatabase(dbFile, log);
    try {
      const boxes = new VoicemailBoxes(new VoicemailRepository(db), root, log);
      assert.deepEqual(boxes.recover(), { dropped: 1, recovered: 1 });
      assert.equal(boxes.get('201', gone), undefined);
      assert.equal(boxes.get('201', kept)!.seconds, 4);
      const c = boxes.get('202', crashed)!;
      assert.equal(c.seconds, 2.5);
      assert.equal(c.recording, false);
      const wav = fs.readFileSync(boxes.fileOf(c));
      assert.equal(wav.readUInt32LE(40), 40000, 'the header counts what is on disk');
      assert.equal(parseWav(wav).samples.length, 20000);
    } finally {
      db.close();
    }
  });
});
