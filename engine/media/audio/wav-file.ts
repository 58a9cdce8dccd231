/**
 * Reading RIFF/WAVE files into 16-bit mono PCM: PCM 8/16/24/32-bit, IEEE float 32-bit, A-law and µ-law,
 * plain or WAVE_FORMAT_EXTENSIBLE, any number of channels (mixed down to mono). Custom prompts arrive as
 * whatever the office's recording tool wrote, so the reader takes what is common and names what it
 * cannot read.
 */
import { alawToLinear, ulawToLinear } from './g711.js';

export interface WavAudio {
  sampleRate: number;
  /** Mono, 16-bit. */
  samples: Int16Array;
}

export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** The 44-byte header of a canonical PCM WAV file. `dataBytes` may be 0 while a recording is open. */
export function wavHeader(sampleRate: number, dataBytes: number, channels = 1, bitsPerSample = 16): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = (channels * bitsPerSample) / 8;
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** 16-bit mono PCM samples as a complete WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader(sampleRate, data.length), data]);
}

/**
 * Parses a WAV file. A data chunk whose size runs past the end of the file (a recording whose header was
 * last updated before more audio was appended, or a size of 0xFFFFFFFF) is read up to the end of the file.
 */
export function parseWav(buf: Buffer): WavAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new WavFormatError('not a RIFF/WAVE file');
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError('fmt chunk too short');
      let format = buf.readUInt16LE(body);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = buf.readUInt16LE(body + 24); // SubFormat GUID
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('data chunk before fmt chunk');
      const end = Math.min(buf.length, body + size);
      return { sampleRate: fmt.rate, samples: decodeFrames(buf.subarray(body, end), fmt) };
    }
    off = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new WavFormatError('no data chunk');
}

function decodeFrames(
  data: Buffer,
  fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number },
): Int16Array {
  const { format, channels, bits } = fmt;
  if (channels < 1 || fmt.rate < 1000 || fmt.rate > 384000)
    throw new WavFormatError('bad channel count or rate');
  const bytes = bits / 8;
  const supported =
    (format === FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32)) ||
    (format === FORMAT_FLOAT && bits === 32) ||
    ((format === FORMAT_ALAW || format === FORMAT_ULAW) && bits === 8);
  if (!supported) throw new WavFormatError(`unsupported WAV encoding (format ${format}, ${bits}-bit)`);
  const frame = fmt.blockAlign >= channels * bytes ? fmt.blockAlign : channels * bytes;
  const frames = Math.floor(data.length / frame);
  const out = new Int16Array(frames);
  const read = (at: number): number => {
    switch (format) {
      case FORMAT_ALAW:
        return alawToLinear(data[at]!);
      case FORMAT_ULAW:
        return ulawToLinear(data[at]!);
      case FORMAT_FLOAT:
        return data.readFloatLE(at) * 32767;
      default:
        if (bits === 8) return (data[at]! - 128) << 8;
        if (bits === 16) return data.readInt16LE(at);
        if (bits === 24) return data.readIntLE(at, 3) >> 8;
        return data.readInt32LE(at) / 65536;
    }
  };
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(i * frame + c * bytes);
    const v = Math.round(sum / channels);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
