/** G.711 µ-law and A-law (ITU-T G.711): known code points, round-trip error bounds, agreement with sox. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  alawToLinear,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from '../../../engine/media/audio/g711.js';
import { rms, sine } from '../../support/audio-analysis.js';
import { tempDir } from '../../support/paths.js';

/** Every value a decoder can produce, sorted. */
function levels(dec: (b: number) => number): number[] {
  return [...new Set(Array.from({ length: 256 }, (_, b) => dec(b)))].sort((a, b) => a - b);
}

/** The two levels around x. */
function around(lv: number[], x: number): [number, number] {
  let i = 0;
  while (i < lv.length - 1 && lv[i + 1]! < x) i++;
  return [lv[i]!, lv[Math.min(i + 1, lv.length - 1)]!];
}

function snrDb(a: Int16Array, b: Int16Array): number {
  const noise = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) noise[i] = a[i]! - b[i]!;
  return 20 * Math.log10(rms(a) / rms(noise));
}

describe('G.711', () => {
  it('maps the known code points (silence, extremes)', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x80), 32124);
    assert.equal(ulawToLinear(0x00), -32124);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
  });

  it('re-encodes every decoded code to itself (µ-law -0 aside)', () => {
    for (let b = 0; b < 256; b++) {
      if (b !== 0x7f) assert.equal(linearToUlaw(ulawToLinear(b)), b, `µ-law ${b}`);
      assert.equal(linearToAlaw(alawToLinear(b)), b, `A-law ${b}`);
    }
  });

  it('picks the nearest quantisation level for every 16-bit sample (within the 14/13-bit truncation)', () => {
    for (const [law, enc, dec, slack] of [
      ['µ-law', linearToUlaw, ulawToLinear, 8],
      ['A-law', linearToAlaw, alawToLinear, 8],
    ] as const) {
      const lv = levels(dec);
      let worst = 0;
      for (let x = -32768; x <= 32767; x++) {
        const y = dec(enc(x));
        const err = Math.abs(y - x);
        // A level stands for the interval around it: the error is at most half the wider gap to its neighbours.
        const i = lv.indexOf(y);
        const gap = Math.max(y - (lv[i - 1] ?? y), (lv[i + 1] ?? y) - y);
        const outside = x < lv[0]! || x > lv[lv.length - 1]!;
        assert.ok(outside || err <= gap / 2 + slack, `${law} error ${err} at ${x} (level ${y}, gap ${gap})`);
        if (Math.abs(x) > 1000 && Math.abs(x) < 32000) worst = Math.max(worst, err / Math.abs(x));
      }
      assert.ok(worst < 0.04, `${law}: worst relative error ${worst}`);
    }
  });

  it('carries a speech-level sine with the SNR G.711 promises (> 35 dB)', () => {
    const x = sine(1000, 8000, 1, 8000);
    for (const law of ['ulaw', 'alaw'] as const) {
      const y = decodeG711(law, encodeG711(law, x));
      assert.ok(snrDb(x, y) > 35, `${law}: ${snrDb(x, y).toFixed(1)} dB`);
    }
  });

  it('encodes like sox does', () => {
    const dir = tempDir('g711');
    const x = new Int16Array(16000);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(Math.sin(i * 0.013) * 30000 * Math.sin(i * 0.0007));
    const raw = path.join(dir, 'x.s16');
    fs.writeFileSync(raw, Buffer.from(x.buffer));
    for (const [law, enc] of [
      ['ulaw', 'u-law'],
      ['alaw', 'a-law'],
    ] as const) {
      const out = path.join(dir, `x.${law}`);
      execFileSync('sox', [
        '-D',
        '-t',
        's16',
        '-r',
        '8000',
        '-c',
        '1',
        raw,
        '-t',
        'raw',
        '-e',
        enc,
        '-r',
        '8000',
        out,
      ]);
      const theirs = fs.readFileSync(out);
      const lv = levels(law === 'ulaw' ? ulawToLinear : alawToLinear);
      const ours = encodeG711(law, x);
      let same = 0;
      for (let i = 0; i < x.length; i++) {
        if (theirs[i] === ours[i]) same++;
        // sox rounds to the nearest level where the reference truncates: at most the neighbouring level.
        else {
          const a = decodeG711(law, new Uint8Array([theirs[i]!]))[0]!;
          const b = decodeG711(law, new Uint8Array([ours[i]!]))[0]!;
          const [lo, hi] = around(lv, x[i]!);
          assert.ok([lo, hi].includes(a) && [lo, hi].includes(b), `${law} ${x[i]}: sox ${a}, ours ${b}`);
        }
      }
      assert.ok(same / x.length > 0.95, `${law}: ${same} of ${x.length} codes equal to sox's`);
      const dec = decodeG711(law, new Uint8Array(theirs));
      assert.ok(snrDb(x, dec) > 30);
    }
  });
});
