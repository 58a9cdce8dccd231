import { isIPv4 } from 'node:net';
import sdpTransform from 'sdp-transform';
import { AUDIO_CODECS, codecByName, type AudioCodec } from '../audio/audio-codec.js';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What an offer/answer exchange settled for the call's audio, from our side. */
export interface NegotiatedAudio {
  codec: AudioCodec;
  /** The payload type the codec travels under (the offerer's number). */
  payloadType: number;
  /** RFC 4733 telephone-event payload type, when both sides have it. */
  telephoneEvent: number | undefined;
  /** Where to send; undefined while the peer holds the call with c=0.0.0.0 or the port is 0. */
  remote: { address: string; port: number } | undefined;
  /** Our direction. */
  direction: MediaDirection;
  /** Packet time in ms (20 unless the peer asked for another multiple of 10 up to 60). */
  ptime: number;
}

export class SdpNegotiationError extends Error {
  override name = 'SdpNegotiationError';
}

/** RFC 3264 §6.1: the answerer's direction for each offered direction. */
const ANSWER_DIRECTION: Record<MediaDirection, MediaDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

interface MediaLine {
  type: string;
  port: number;
  protocol: string;
  payloads?: string | number;
}

/** Our own session description: one audio stream, plus every other offered m-line refused (port 0). */
export interface LocalDescription {
  address: string;
  port: number;
  sessionId: number;
  version: number;
  formats: Array<{ payloadType: number; codec: AudioCodec }>;
  telephoneEvent: number | undefined;
  direction: MediaDirection;
  ptime: number;
  /** When answering: the offer's m-lines, so the answer has as many, in the same order (RFC 3264 §6). */
  offerLines?: MediaLine[];
  audioIndex?: number;
}

export function formatSdp(d: LocalDescription): string {
  const lines = [
    'v=0',
    `o=OfficePBX ${d.sessionId} ${d.version} IN IP4 ${d.address}`,
    's=OfficePBX',
    `c=IN IP4 ${d.address}`,
    't=0 0',
  ];
  const audio = (): void => {
    const pts = d.formats.map((f) => f.payloadType);
    if (d.telephoneEvent !== undefined) pts.push(d.telephoneEvent);
    lines.push(`m=audio ${d.port} RTP/AVP ${pts.join(' ')}`);
    for (const f of d.formats) lines.push(`a=rtpmap:${f.payloadType} ${f.codec.name}/${f.codec.clockRate}`);
    if (d.telephoneEvent !== undefined)
      lines.push(`a=rtpmap:${d.telephoneEvent} telephone-event/8000`, `a=fmtp:${d.telephoneEvent} 0-16`);
    lines.push(`a=ptime:${d.ptime}`, `a=${d.direction}`);
  };
  if (!d.offerLines) audio();
  else
    d.offerLines.forEach((m, i) => {
      if (i === d.audioIndex) audio();
      else lines.push(`m=${m.type} 0 ${m.protocol} ${String(m.payloads ?? '0').split(' ')[0]}`);
    });
  return lines.join('\r\n') + '\r\n';
}

function parse(text: string): sdpTransform.SessionDescription {
  if (!/^v=0\s*$/m.test(text)) throw new SdpNegotiationError('not a session description (no v=0)');
  try {
    return sdpTransform.parse(text);
  } catch (err) {
    throw new SdpNegotiationError(`unparsable SDP: ${(err as Error).message}`);
  }
}

type Media = sdpTransform.SessionDescription['media'][number];

function rtpmapOf(m: Media, pt: number): { codec: string; rate?: number } | undefined {
  const r = m.rtp.find((x) => x.payload === pt);
  if (r) return { codec: r.codec, rate: r.rate };
  // RFC 3551 static payload types need no rtpmap.
  if (pt === 0) return { codec: 'PCMU', rate: 8000 };
  if (pt === 8) return { codec: 'PCMA', rate: 8000 };
  return undefined;
}

function remoteOf(s: sdpTransform.SessionDescription, m: Media): NegotiatedAudio['remote'] {
  const c = m.connection ?? s.connection;
  if (!c || m.port === 0) return undefined;
  if (c.version !== 4 || !isIPv4(c.ip)) throw new SdpNegotiationError('audio needs an IPv4 address in c=');
  if (c.ip === '0.0.0.0') return undefined; // RFC 2543 hold
  return { address: c.ip, port: m.port };
}

function directionOf(s: sdpTransform.SessionDescription, m: Media): MediaDirection {
  const c = m.connection ?? s.connection;
  const d = (m.direction ?? s.direction ?? 'sendrecv') as MediaDirection;
  // c=0.0.0.0 is the old way to say "hold" (RFC 3264 §8.4): the offerer will not receive.
  if (c?.ip === '0.0.0.0' && d === 'sendrecv') return 'sendonly';
  return d;
}

function ptimeOf(m: Media): number {
  const p = Number(m.ptime ?? 20);
  return Number.isInteger(p) && p >= 10 && p <= 60 && p % 10 === 0 ? p : 20;
}

function payloadList(m: Media): number[] {
  return String(m.payloads ?? '')
    .split(' ')
    .filter((x) => x !== '')
    .map(Number);
}

/**
 * Answers an offer (RFC 3264 §6): the first RTP/AVP(F) audio stream with a port, the offerer's most
 * preferred codec among ours, telephone-event at 8000 Hz if offered. Throws SdpNegotiationError (→ 488)
 * when no stream or codec fits (SRTP, only G.729 …).
 */
export function answerOffer(offerText: string): {
  audio: NegotiatedAudio;
  offerLines: MediaLine[];
  audioIndex: number;
} {
  const s = parse(offerText);
  const index = s.media.findIndex((m) => m.type === 'audio' && /^RTP\/AVPF?$/i.test(m.protocol));
  if (index < 0) throw new SdpNegotiationError('no plain RTP audio stream offered (SRTP is not supported)');
  const m = s.media[index]!;
  let chosen: { codec: AudioCodec; payloadType: number } | undefined;
  let telephoneEvent: number | undefined;
  for (const pt of payloadList(m)) {
    const map = rtpmapOf(m, pt);
    if (!map) continue;
    if (map.codec.toLowerCase() === 'telephone-event' && (map.rate ?? 8000) === 8000) {
      telephoneEvent ??= pt;
      continue;
    }
    const codec = codecByName(map.codec, map.rate ?? 8000);
    if (codec && !chosen) chosen = { codec, payloadType: pt };
  }
  if (!chosen) throw new SdpNegotiationError('none of the offered codecs is supported (PCMU, PCMA)');
  return {
    audio: {
      ...chosen,
      telephoneEvent,
      remote: remoteOf(s, m),
      direction: ANSWER_DIRECTION[directionOf(s, m)],
      ptime: ptimeOf(m),
    },
    offerLines: s.media.map((x) => ({
      type: x.type,
      port: x.port,
      protocol: x.protocol,
      payloads: x.payloads,
    })),
    audioIndex: index,
  };
}

/** Our offer (for an INVITE without SDP): every codec we have, telephone-event on 101. */
export const OFFER_TELEPHONE_EVENT = 101;

export function offerFormats(): Array<{ payloadType: number; codec: AudioCodec }> {
  return AUDIO_CODECS.map((codec, i) => ({ payloadType: codec.staticPayloadType ?? 96 + i, codec }));
}

/** Reads the answer to our offer: the first of our codecs the answerer kept. */
export function readAnswer(answerText: string): NegotiatedAudio {
  const s = parse(answerText);
  const m = s.media.find((x) => x.type === 'audio' && x.port !== 0);
  if (!m) throw new SdpNegotiationError('the answer refused the audio stream');
  const ours = offerFormats();
  let chosen: { codec: AudioCodec; payloadType: number } | undefined;
  let telephoneEvent: number | undefined;
  for (const pt of payloadList(m)) {
    const map = rtpmapOf(m, pt);
    if (map?.codec.toLowerCase() === 'telephone-event') telephoneEvent ??= pt;
    const mine = ours.find((f) => f.payloadType === pt);
    if (mine && !chosen) chosen = mine;
  }
  if (!chosen) throw new SdpNegotiationError('the answer kept none of the offered codecs');
  const theirs = directionOf(s, m);
  return {
    ...chosen,
    telephoneEvent,
    remote: remoteOf(s, m),
    direction: ANSWER_DIRECTION[theirs],
    ptime: ptimeOf(m),
  };
}
