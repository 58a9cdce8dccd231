/** WAV reading (the encodings offices upload) and the crash-safe incremental writer. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeWav, parseWav, WavFormatError } from '../../../engine/media/audio/wav-file.js';
import { WavWriter } from '../../../engine/media/audio/wav-writer.js';
import { sine } from '../../support/audio-analysis.js';
import { tempDir } from '../../support/paths.js';

const soxSamples = (file: string): number =>
  Number(execFileSync('soxi', ['-s', file], { encoding: 'utf8' }).trim());

describe('WAV files', () => {
  const dir = tempDir('wav');

  it('reads what sox writes: 8/16/24/32-bit, float, A-law, µ-law, stereo, extensible', () => {
    const src = path.join(dir, 'src.wav');
    fs.writeFileSync(src, encodeWav(sine(1000, 16000, 0.25), 16000));
    const variants: Array<[string, string[]]> = [
      ['u8', ['-b', '8', '-e', 'unsigned-integer']],
      ['s24', ['-b', '24']],
      ['s32', ['-b', '32']],
      ['f32', ['-b', '32', '-e', 'floating-point']],
      ['alaw', ['-e', 'a-law']],
      ['ulaw', ['-e', 'u-law']],
      ['stereo', ['-c', '2']],
    ];
    for (const [name, args] of variants) {
      const f = path.join(dir, `${name}.wav`);
      execFileSync('sox', [src, ...args, f]);
      const w = parseWav(fs.readFileSync(f));
      assert.equal(w.sampleRate, 16000, name);
      assert.equal(w.samples.length, 4000, name);
      // The same tone within the format's precision.
      const peak = w.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(Math.abs(peak - 16000) < 400, `${name}: peak ${peak}`);
    }
  });

  it('refuses what is not a WAV, naming the problem', () => {
    assert.throws(() => parseWav(Buffer.from('hello world, not a riff file')), WavFormatError);
    const noData = Buffer.from(encodeWav(new Int16Array(0), 8000).subarray(0, 36));
    noData.writeUInt32LE(28, 4);
    assert.throws(() => parseWav(noData), /no data chunk/);
  });

  it('reads a data chunk whose size runs past the end of the file up to the end', () => {
    const b = encodeWav(sine(500, 8000, 0.1), 8000);
    b.writeUInt32LE(0xffffffff, 40);
    assert.equal(parseWav(b).samples.length, 800);
  });

  it('WavWriter: the file is valid after each flush while still open, and complete after close', async () => {
    const f = path.join(dir, 'rec.wav');
    const w = await WavWriter.create(f, { sampleRate: 8000, flushIntervalMs: 50 });
    // Header only: a valid, empty WAV from the start.
    assert.equal(parseWav(fs.readFileSync(f)).samples.length, 0);
    w.write(sine(1000, 8000, 0.5));
    await w.flush();
    // What a crash now would leave: sizes in the header match the audio on disk; sox agrees.
    const mid = fs.readFileSync(f);
    assert.equal(mid.readUInt32LE(40), 8000);
    assert.equal(mid.readUInt32LE(4), 36 + 8000);
    assert.equal(mid.length, 44 + 8000);
    assert.equal(soxSamples(f), 4000);
    // The timer flushes by itself.
    w.write(sine(1000, 8000, 0.25));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fs.readFileSync(f).readUInt32LE(40), 12000);
    w.write(sine(1000, 8000, 0.25));
    assert.equal(w.samples, 8000);
    await w.close();
    await w.close();
    assert.equal(soxSamples(f), 8000);
    assert.equal(parseWav(fs.readFileSync(f)).samples.length, 8000);
  });
});
