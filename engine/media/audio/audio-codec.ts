import { decodeG711, encodeG711, G711_SILENCE, type G711Law } from './g711.js';

/** A narrowband audio codec the media applications can send and receive. */
export interface AudioCodec {
  /** The encoding name in SDP (RFC 3551 §6). */
  readonly name: string;
  /** The static payload type, if it has one. */
  readonly staticPayloadType: number | undefined;
  /** RTP clock rate (RFC 3551). */
  readonly clockRate: number;
  /** Rate of the PCM it encodes and decodes. */
  readonly sampleRate: number;
  encode(pcm: Int16Array): Uint8Array;
  decode(payload: Uint8Array): Int16Array;
  /** One frame of silence, `samples` long, encoded. */
  silence(samples: number): Uint8Array;
}

class G711Codec implements AudioCodec {
  readonly clockRate = 8000;
  readonly sampleRate = 8000;

  constructor(
    readonly name: string,
    readonly staticPayloadType: number,
    private readonly law: G711Law,
  ) {}

  encode(pcm: Int16Array): Uint8Array {
    return encodeG711(this.law, pcm);
  }

  decode(payload: Uint8Array): Int16Array {
    return decodeG711(this.law, payload);
  }

  silence(samples: number): Uint8Array {
    return new Uint8Array(samples).fill(G711_SILENCE[this.law]);
  }
}

export const PCMU: AudioCodec = new G711Codec('PCMU', 0, 'ulaw');
export const PCMA: AudioCodec = new G711Codec('PCMA', 8, 'alaw');

/**
 * Codecs in our order of preference when we make the offer (a late-offer INVITE). When answering, the
 * offerer's order wins (RFC 3264 §6.1). G.722 is not offered: its sub-band ADPCM is not written yet.
 */
export const AUDIO_CODECS: readonly AudioCodec[] = [PCMU, PCMA];

export function codecByName(name: string, clockRate: number): AudioCodec | undefined {
  return AUDIO_CODECS.find((c) => c.name.toLowerCase() === name.toLowerCase() && c.clockRate === clockRate);
}
