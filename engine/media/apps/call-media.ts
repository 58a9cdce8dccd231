import type { AudioCodec } from '../audio/audio-codec.js';
import { FrameClock, type ClockScheduler, type FrameClockStats } from '../rtp/frame-clock.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import type { RtpSession, RtpSessionStats } from '../rtp/rtp-session.js';
import { DtmfDetector } from '../rtp/telephone-event.js';
import type { NegotiatedAudio } from './session-description.js';

/** Decoded audio from the caller, with the RTP timestamp and SSRC it came under. */
export type AudioSink = (pcm: Int16Array, timestamp: number, ssrc: number) => void;

interface Playing {
  samples: Int16Array;
  offset: number;
  done: (finished: boolean) => void;
}

export interface CallMediaStats {
  rtp: RtpSessionStats;
  clock: FrameClockStats;
  codec: string;
}

/**
 * The audio of one application call: plays PCM out through the negotiated codec, one packet per frame of the
 * drift-free clock, with the marker bit on the first packet of each talkspurt (RFC 3551 §4.1); nothing is
 * sent between prompts or while the caller holds the call. Incoming audio is decoded for a recorder;
 * telephone-events become digits.
 */
export class CallMedia {
  private readonly clock: FrameClock;
  private readonly dtmf = new DtmfDetector();
  private audio: NegotiatedAudio;
  private playing: Playing | undefined;
  /** Nothing was sent on the previous frame: the next packet starts a talkspurt. */
  private idle = true;
  private readonly frameSamples: number;
  private readonly frameTicks: number;
  sink: AudioSink | undefined;
  onDigit: ((digit: string) => void) | undefined;
  /** Set when the first RFC 4733 event arrives: the phone sends DTMF in RTP. */
  sawTelephoneEvent = false;

  constructor(
    private readonly session: RtpSession,
    audio: NegotiatedAudio,
    scheduler?: ClockScheduler,
  ) {
    this.audio = audio;
    this.frameSamples = (audio.codec.sampleRate * audio.ptime) / 1000;
    this.frameTicks = (audio.codec.clockRate * audio.ptime) / 1000;
    this.clock = new FrameClock(audio.ptime, (n) => this.frame(n), scheduler);
    session.setRemote(audio.remote);
    session.onPacket = (p) => this.receive(p);
  }

  get codec(): AudioCodec {
    return this.audio.codec;
  }

  get sampleRate(): number {
    return this.audio.codec.sampleRate;
  }

  get stats(): CallMediaStats {
    return { rtp: { ...this.session.stats }, clock: { ...this.clock.stats }, codec: this.audio.codec.name };
  }

  /** A re-INVITE changed where and whether to send (hold, resume, a new address). */
  update(audio: NegotiatedAudio): void {
    // The frame size is fixed for the call; a new codec of the same rate is fine.
    this.audio = { ...audio, ptime: this.audio.ptime };
    this.session.setRemote(audio.remote);
  }

  start(): void {
    this.clock.begin();
  }

  /** Plays `samples` (at `sampleRate`); resolves true when the last packet left, false if stopped. */
  play(samples: Int16Array): Promise<boolean> {
    this.stopPlayback();
    if (samples.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.playing = { samples, offset: 0, done: resolve };
    });
  }

  stopPlayback(): void {
    const p = this.playing;
    this.playing = undefined;
    p?.done(false);
  }

  private get sending(): boolean {
    return this.audio.direction === 'sendrecv' || this.audio.direction === 'sendonly';
  }

  private frame(n: number): void {
    const p = this.playing;
    if (!p) {
      this.idle = true;
      return;
    }
    const chunk = new Int16Array(this.frameSamples); // zero-padded at the end of a prompt
    chunk.set(p.samples.subarray(p.offset, p.offset + this.frameSamples));
    p.offset += this.frameSamples;
    if (this.sending) {
      const ts = this.session.timestampOf(n, this.frameTicks);
      if (this.session.send(this.audio.payloadType, this.idle, ts, this.audio.codec.encode(chunk)))
        this.idle = false;
    } else this.idle = true;
    if (p.offset >= p.samples.length) {
      this.playing = undefined;
      p.done(true);
    }
  }

  private receive(p: RtpPacket): void {
    const a = this.audio;
    if (a.telephoneEvent !== undefined && p.payloadType === a.telephoneEvent) {
      this.sawTelephoneEvent = true;
      for (const d of this.dtmf.receive(p.timestamp, p.payload)) this.onDigit?.(d);
      return;
    }
    if (p.payloadType !== a.payloadType || !this.sink) return;
    this.sink(a.codec.decode(p.payload), p.timestamp, p.ssrc);
  }

  close(): void {
    this.clock.stop();
    this.stopPlayback();
    this.sink = undefined;
    this.onDigit = undefined;
    this.session.close();
  }
}
