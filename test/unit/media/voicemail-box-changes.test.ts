// The mailboxes announce every change the message-waiting lamps follow (a message finished, heard or
// unheard, deleted) and keep their unheard/heard counts in memory between changes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LogRoot } from '../../../engine/log/index.js';
import { VoicemailBoxes } from '../../../engine/media/apps/voicemail-boxes.js';
import { openDatabase, VoicemailRepository } from '../../../engine/store/index.js';
import { tempDir } from '../../support/paths.js';

const log = new LogRoot('silent').logger('voicemail');

describe('VoicemailBoxes changes and counts', () => {
  const dir = tempDir('vm-changes');
  const db = openDatabase(path.join(dir, 'a.db'), log);
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('emits per mailbox on finish, heard, delete; counts follow; recording messages do not count', () => {
    const boxes = new VoicemailBoxes(new VoicemailRepository(db), path.join(dir, 'vm'), log);
    const seen: string[] = [];
    const stop = boxes.onChange((m) => seen.push(m));
    assert.deepEqual(boxes.counts('201'), { unheard: 0, heard: 0 });

    const { message } = boxes.start({ mailbox: '201', caller: '202', created: Date.now() });
    assert.deepEqual(seen, [], 'starting to record changes nothing yet');
    boxes.finish(message.id, 4);
    assert.deepEqual(seen, ['201']);
    assert.deepEqual(boxes.counts('201'), { unheard: 1, heard: 0 });

    boxes.setHeard('201', message.id, true);
    assert.deepEqual(boxes.counts('201'), { unheard: 0, heard: 1 });
    assert.equal(boxes.setHeard('202', message.id, false), undefined, 'not that mailbox: no change');
    assert.deepEqual(seen, ['201', '201']);

    const other = boxes.start({ mailbox: '202', caller: '201', created: Date.now() });
    boxes.finish(other.message.id, 3);
    assert.deepEqual(boxes.counts('202'), { unheard: 1, heard: 0 });
    assert.deepEqual(boxes.counts('201'), { unheard: 0, heard: 1 }, 'another box is unaffected');

    assert.equal(boxes.delete('201', message.id), true);
    assert.deepEqual(seen, ['201', '201', '202', '201']);
    assert.deepEqual(boxes.counts('201'), { unheard: 0, heard: 0 });

    stop();
    boxes.setHeard('202', other.message.id, true);
    assert.equal(seen.length, 4, 'a listener that stopped hears nothing');
  });

  it('keeps going when a listener throws', () => {
    const boxes = new VoicemailBoxes(new VoicemailRepository(db), path.join(dir, 'vm'), log);
    const seen: string[] = [];
    boxes.onChange(() => {
      throw new Error('listener bug');
    });
    boxes.onChange((m) => seen.push(m));
    const { message } = boxes.start({ mailbox: '205', caller: '202', created: Date.now() });
    boxes.finish(message.id, 2);
    assert.deepEqual(seen, ['205']);
  });
});
