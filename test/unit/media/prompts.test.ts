/** The shipped prompt set, custom prompts that override it, and the English read-out built from it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeWav, parseWav } from '../../../engine/media/audio/wav-file.js';
import {
  customPromptsDir,
  PromptLibrary,
  PromptNotFoundError,
  shippedPromptsDir,
} from '../../../engine/media/apps/prompt-library.js';
import {
  sayDate,
  sayDateTime,
  sayDigits,
  sayNumber,
  sayTime,
} from '../../../engine/media/apps/say-english.js';
import { dominantFrequency, sine } from '../../support/audio-analysis.js';
import { tempDir } from '../../support/paths.js';

describe('English read-out', () => {
  it('reads numbers as the digit, teen, tens, hundred and thousand prompts', () => {
    assert.deepEqual(sayNumber(0), ['0']);
    assert.deepEqual(sayNumber(3), ['3']);
    assert.deepEqual(sayNumber(13), ['13']);
    assert.deepEqual(sayNumber(40), ['40']);
    assert.deepEqual(sayNumber(21), ['20', '1']);
    assert.deepEqual(sayNumber(305), ['3', 'hundred', '5']);
    assert.deepEqual(sayNumber(1200), ['1', 'thousand', '2', 'hundred']);
    assert.deepEqual(sayNumber(20_019), ['20', 'thousand', '19']);
    assert.throws(() => sayNumber(-1), RangeError);
    assert.throws(() => sayNumber(1.5), RangeError);
  });

  it('reads extensions digit by digit, dates and times', () => {
    assert.deepEqual(sayDigits('20*1#'), ['2', '0', 'star', '1', 'pound']);
    const now = new Date(2026, 2, 24, 18, 0); // Tuesday 24 March 2026
    assert.deepEqual(sayDate(new Date(2026, 2, 24, 9, 5), now), ['today']);
    assert.deepEqual(sayDate(new Date(2026, 2, 23, 9, 5), now), ['yesterday']);
    assert.deepEqual(sayDate(new Date(2026, 2, 21, 9, 5), now), ['day-6', 'month-3', 'ord-21']);
    assert.deepEqual(sayTime(new Date(2026, 2, 21, 9, 5)), ['9', 'oh', '5', 'am']);
    assert.deepEqual(sayTime(new Date(2026, 2, 21, 0, 0)), ['12', 'oclock', 'am']);
    assert.deepEqual(sayTime(new Date(2026, 2, 21, 15, 45)), ['3', '40', '5', 'pm']);
    assert.deepEqual(sayDateTime(new Date(2026, 2, 24, 12, 30), now), ['today', 'at', '12', '30', 'pm']);
  });

  it('every prompt the read-out can name is shipped', async () => {
    const lib = new PromptLibrary([shippedPromptsDir()]);
    const names = new Set<string>();
    for (let n = 0; n < 1000; n++) sayNumber(n).forEach((x) => names.add(x));
    sayNumber(999_999).forEach((x) => names.add(x));
    sayDigits('0123456789*#').forEach((x) => names.add(x));
    for (let m = 0; m < 12; m++)
      for (const d of [1, 2, 3, 11, 21, 22, 23, 28, 30, 31]) {
        const date = new Date(2025, m, d, 13, 7);
        if (date.getMonth() === m) sayDateTime(date, new Date(2030, 0, 1)).forEach((x) => names.add(x));
      }
    for (let h = 0; h < 24; h++) sayTime(new Date(2026, 0, 1, h, 0)).forEach((x) => names.add(x));
    for (const name of names) assert.ok(await lib.resolve(name), `prompt ${name} is missing`);
  });
});

describe('PromptLibrary', () => {
  it('ships the voicemail and auto-attendant prompts as 8 kHz 16-bit mono WAVs', () => {
    const dir = shippedPromptsDir();
    for (const name of [
      'vm-leave-message',
      'vm-enter-pin',
      'beep',
      'goodbye',
      'aa-welcome',
      'aa-transfer',
      'extension',
    ]) {
      const b = fs.readFileSync(path.join(dir, `${name}.wav`));
      assert.equal(b.readUInt16LE(22), 1, `${name}: mono`);
      assert.equal(b.readUInt32LE(24), 8000, `${name}: 8 kHz`);
      assert.equal(b.readUInt16LE(34), 16, `${name}: 16-bit`);
      assert.ok(parseWav(b).samples.length > 800, `${name}: not empty`);
    }
    const text = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(text, /`vm-leave-message\.wav`/);
  });

  it('a custom prompt in the data dir wins over the shipped one, and a new upload applies at once', async () => {
    const data = tempDir('prompts');
    const custom = customPromptsDir(data);
    fs.mkdirSync(custom, { recursive: true });
    const lib = new PromptLibrary([custom, shippedPromptsDir()]);
    const shipped = await lib.load('beep', 8000);
    assert.equal(shipped.length, 3200);
    // A 16 kHz upload: resampled to the call's 8 kHz.
    fs.writeFileSync(path.join(custom, 'beep.wav'), encodeWav(sine(500, 16000, 0.3), 16000));
    const mine = await lib.load('beep', 8000);
    assert.equal(mine.length, 2400);
    assert.equal(dominantFrequency(mine.subarray(200, 2200), 8000), 500);
    // Replaced again (a different size): the cache notices.
    fs.writeFileSync(path.join(custom, 'beep.wav'), encodeWav(sine(700, 8000, 0.5), 8000));
    assert.equal((await lib.load('beep', 8000)).length, 4000);
    assert.ok((await lib.names()).includes('vm-enter-pin'));
  });

  it('refuses names that would leave the prompt folders', async () => {
    const lib = new PromptLibrary([shippedPromptsDir()]);
    await assert.rejects(lib.load('../../package', 8000), PromptNotFoundError);
    await assert.rejects(lib.load('no-such-prompt', 8000), PromptNotFoundError);
  });
});
