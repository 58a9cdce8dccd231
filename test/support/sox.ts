import { execFileSync } from 'node:child_process';

export interface SineWav {
  hz: number;
  seconds: number;
  /** Sample rate; 8000 unless given. */
  rate?: number;
  /** 1 (mono) unless given. */
  channels?: number;
  /** 16-bit linear PCM unless μ-law (8-bit) is asked for. */
  encoding?: 'pcm16' | 'u-law';
  /** sox's `vol` factor (1 = full scale), when given. */
  volume?: number;
}

/** Writes a WAV file of a sine tone with sox: the test uploads, prompts and softphone microphones. */
export function soxSine(file: string, o: SineWav): string {
  const format = o.encoding === 'u-law' ? ['-b', '8', '-e', 'u-law'] : ['-b', '16'];
  execFileSync('sox', [
    '-q',
    '-n',
    '-r',
    String(o.rate ?? 8000),
    '-c',
    String(o.channels ?? 1),
    ...format,
    file,
    'synth',
    String(o.seconds),
    'sine',
    String(o.hz),
    ...(o.volume !== undefined ? ['vol', String(o.volume)] : []),
  ]);
  return file;
}
