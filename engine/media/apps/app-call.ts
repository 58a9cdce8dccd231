import fs from 'node:fs/promises';
import type { Logger } from '../../log/index.js';
import { Resampler } from '../audio/resampler.js';
import { parseWav } from '../audio/wav-file.js';
import type { SipRequest, SipResponse } from '../../sip/message/sip-message.js';
import type { CallMedia, CallMediaStats } from './call-media.js';
import { CallRecorder, levelDbfs } from './call-recorder.js';
import type { PromptLibrary } from './prompt-library.js';

/** Why a call ended. */
export type HangupCause =
  | 'caller hung up' // BYE from the caller
  | 'cancelled' // CANCEL before we answered
  | 'application hung up' // hangup() or the script returned
  | 'rejected' // reject() before answering
  | 'no ACK' // our 200 was never acknowledged
  | 'shutdown';

/** A prompt by name, a WAV file (a recorded message), or audio already at the call's sample rate. */
export type PromptItem = string | { file: string } | { samples: Int16Array };

export interface PlayOptions {
  /** Digits that stop the prompt (true: any digit). The digit stays queued for collectDigits(). */
  bargeIn?: boolean | string;
}

export interface PlayResult {
  reason: 'done' | 'digit' | 'hangup';
  digit?: string;
}

export interface CollectOptions {
  /** Stop after this many digits (terminators not counted). Default 1. */
  max?: number;
  /** Wait at most this long for the first digit. Default 5000 ms. */
  timeoutMs?: number;
  /** After a digit, wait at most this long for the next. Default `timeoutMs`. */
  interDigitTimeoutMs?: number;
  /** Digits that end the entry and are not part of it (e.g. '#'). Default none. */
  terminators?: string;
  /** A prompt played first, interrupted by the first digit. */
  prompt?: PromptItem | PromptItem[];
}

export interface CollectResult {
  digits: string;
  reason: 'max' | 'terminator' | 'timeout' | 'hangup';
  terminator?: string;
}

export interface RecordOptions {
  /** Hard limit. Default 120 s. */
  maxSeconds?: number;
  /** Stop after this much continuous silence (0 = never). Default 5 s. */
  silenceSeconds?: number;
  /** Frames quieter than this count as silence. Default -40 dBFS. */
  silenceThresholdDbfs?: number;
  /** A digit that stops recording (consumed), or '' for none. Default '#'. */
  stopOnDigit?: string;
  /** Play the 'beep' prompt before recording starts. Default false. */
  beep?: boolean;
  /** How often the WAV header is brought up to date on disk. Default 1000 ms. */
  flushIntervalMs?: number;
}

export interface RecordResult {
  file: string;
  /** Length of the recording (audio time, gaps filled). */
  seconds: number;
  reason: 'digit' | 'silence' | 'max' | 'hangup';
  digit?: string;
}

export class CallEndedError extends Error {
  override name = 'CallEndedError';
  constructor(readonly hangupCause: HangupCause) {
    super(`the call has ended (${hangupCause})`);
  }
}

/** What the call needs from the SIP side (the endpoint's UAS dialog). */
export interface CallSignalling {
  /** Sends the 200 with our answer; resolves when media can flow (for a late offer: when the ACK came). */
  answer(): Promise<CallMedia>;
  reject(status: number, reason?: string): void;
  /** BYE (or a final response if not answered yet). */
  hangup(): void;
  /** An in-dialog request (REFER, INFO …); resolves with the final response. */
  request(
    method: string,
    headers?: Array<{ name: string; value: string }>,
    body?: Buffer,
  ): Promise<SipResponse>;
}

export interface AppCallInfo {
  callId: string;
  /** The application's name: the Request-URI's user part up to any '+'. */
  service: string;
  /** What followed '+' in the Request-URI's user part ("voicemail+201" → "201"), or ''. */
  argument: string;
  requestUri: string;
  /** The caller's From header and its user part. */
  from: string;
  caller: string;
  callerName: string | undefined;
  to: string;
  /** Any header of the INVITE. */
  header(name: string): string | undefined;
}

const DIGITS = '0123456789*#ABCD';

/**
 * A call as a media application sees it: a small script API over the SIP dialog and the RTP stream.
 *
 *   await call.play(['vm-person-at-extension', ...sayDigits('201'), 'vm-not-available'], { bargeIn: '#' });
 *   const r = await call.record(file, { maxSeconds: 120, silenceSeconds: 5, stopOnDigit: '#', beep: true });
 *   const { digits } = await call.collectDigits({ max: 6, timeoutMs: 5000, terminators: '#' });
 *   await call.hangup();
 *
 * Operations answer the call if it is not answered yet. An operation running when the caller hangs up
 * resolves with reason 'hangup' (a recording keeps what was recorded); one started after the call ended
 * throws CallEndedError, so a script cannot loop on a dead call. Digits from RFC 4733 and from SIP INFO are
 * queued in arrival order (type-ahead) until a collectDigits() takes them.
 */
export class AppCall {
  private media: CallMedia | undefined;
  private answering: Promise<CallMedia> | undefined;
  private digitQueue = '';
  private digitWaiters: Array<() => void> = [];
  private readonly hangupListeners: Array<(cause: HangupCause) => void> = [];
  private readonly digitListeners: Array<(digit: string) => void> = [];
  private readonly notifyListeners = new Set<(notify: SipRequest) => void>();
  private endCause: HangupCause | undefined;
  private readonly abort = new AbortController();
  private resolveHungUp!: (c: HangupCause) => void;
  /** Resolves with the cause when the call ends. */
  readonly hungUp: Promise<HangupCause> = new Promise((r) => (this.resolveHungUp = r));

  constructor(
    readonly info: AppCallInfo,
    private readonly signalling: CallSignalling,
    private readonly prompts: PromptLibrary,
    readonly log: Logger,
  ) {}

  get callId(): string {
    return this.info.callId;
  }

  get state(): 'offered' | 'answered' | 'ended' {
    return this.endCause ? 'ended' : this.media ? 'answered' : 'offered';
  }

  get ended(): boolean {
    return this.endCause !== undefined;
  }

  get cause(): HangupCause | undefined {
    return this.endCause;
  }

  /** Aborted when the call ends: hand it to anything the script awaits besides the call (fetch, timers). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stats(): CallMediaStats | undefined {
    return this.media?.stats;
  }

  onHangup(listener: (cause: HangupCause) => void): void {
    if (this.endCause) listener(this.endCause);
    else this.hangupListeners.push(listener);
  }

  onDigit(listener: (digit: string) => void): void {
    this.digitListeners.push(listener);
  }

  /**
   * Hears the caller's in-dialog NOTIFYs (already answered 200): a REFER's progress as a `message/sipfrag`
   * body (RFC 3515 §2.4.5). Returns the function that stops listening.
   */
  onNotify(listener: (notify: SipRequest) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  /** Sends the 200 OK (once); later calls wait for the same answer. */
  async answer(): Promise<void> {
    this.assertLive();
    if (!this.answering) {
      this.answering = this.signalling.answer().then((media) => {
        this.media = media;
        media.onDigit = (d) => this.digit(d, 'rfc4733');
        return media;
      });
    }
    await this.answering;
  }

  /** Refuses the call before answering (e.g. 404 for an unknown mailbox). */
  reject(status = 480, reason?: string): void {
    if (this.ended) return;
    if (this.answering) throw new Error('reject(): the call is already answered');
    this.signalling.reject(status, reason);
    this.end('rejected');
  }

  /** Ends the call: BYE if answered, 480 if not. Safe to call more than once. */
  async hangup(): Promise<void> {
    if (this.ended) return;
    this.signalling.hangup();
    this.end('application hung up');
  }

  /** Sends an in-dialog request (the auto-attendant's REFER, for instance). */
  async request(
    method: string,
    headers?: Array<{ name: string; value: string }>,
    body?: Buffer,
  ): Promise<SipResponse> {
    await this.answer();
    return this.signalling.request(method, headers, body);
  }

  /** Plays prompts one after another (a sentence assembled from pieces); see PlayOptions for barge-in. */
  async play(items: PromptItem | PromptItem[], opts: PlayOptions = {}): Promise<PlayResult> {
    await this.answer();
    const media = this.media!;
    const samples = await this.loadAll(Array.isArray(items) ? items : [items], media.sampleRate);
    if (this.ended) return { reason: 'hangup' };
    const stopOn = opts.bargeIn === true ? DIGITS : opts.bargeIn || '';
    const queued = [...this.digitQueue].find((d) => stopOn.includes(d));
    if (queued) return { reason: 'digit', digit: queued };
    let heard: string | undefined;
    const onDigit = (d: string): void => {
      if (!heard && stopOn.includes(d)) {
        heard = d;
        media.stopPlayback();
      }
    };
    this.digitListeners.push(onDigit);
    try {
      await media.play(samples);
    } finally {
      this.removeDigitListener(onDigit);
    }
    if (this.ended) return { reason: 'hangup' };
    return heard ? { reason: 'digit', digit: heard } : { reason: 'done' };
  }

  /** Collects digits (type-ahead first): stops on `max`, a terminator, a timeout or hang-up. */
  async collectDigits(opts: CollectOptions = {}): Promise<CollectResult> {
    const max = opts.max ?? 1;
    const first = opts.timeoutMs ?? 5000;
    const between = opts.interDigitTimeoutMs ?? first;
    const terminators = opts.terminators ?? '';
    await this.answer();
    if (opts.prompt !== undefined) await this.play(opts.prompt, { bargeIn: true });
    let digits = '';
    // Bounded: each round takes a digit or ends on a timeout or hang-up.
    for (;;) {
      if (this.ended) return { digits, reason: 'hangup' };
      const d = this.digitQueue[0];
      if (d !== undefined) {
        this.digitQueue = this.digitQueue.slice(1);
        if (terminators.includes(d)) return { digits, reason: 'terminator', terminator: d };
        digits += d;
        if (digits.length >= max) return { digits, reason: 'max' };
        continue;
      }
      const got = await this.waitForDigit(digits === '' ? first : between);
      if (!got && !this.ended) return { digits, reason: 'timeout' };
    }
  }

  /** Takes and returns the queued digits (type-ahead the script does not want). */
  flushDigits(): string {
    const d = this.digitQueue;
    this.digitQueue = '';
    return d;
  }

  /**
   * Records the caller into a 16-bit mono WAV at the codec's rate (8 kHz for G.711), written as it arrives
   * and kept valid on disk all along. Stops on `stopOnDigit`, silence, `maxSeconds` or hang-up.
   */
  async record(file: string, opts: RecordOptions = {}): Promise<RecordResult> {
    const maxSeconds = opts.maxSeconds ?? 120;
    const silenceMs = (opts.silenceSeconds ?? 5) * 1000;
    const threshold = opts.silenceThresholdDbfs ?? -40;
    const stopDigit = opts.stopOnDigit ?? '#';
    await this.answer();
    if (opts.beep) await this.play('beep');
    this.assertLive();
    const media = this.media!;
    this.flushDigits(); // keys pressed during the greeting do not stop the recording
    const recorder = await CallRecorder.create(file, media.sampleRate, opts.flushIntervalMs);
    let lastVoice = Date.now();
    let finish!: (r: Pick<RecordResult, 'reason' | 'digit'>) => void;
    const done = new Promise<Pick<RecordResult, 'reason' | 'digit'>>((r) => (finish = r));
    media.sink = (pcm, ts, ssrc) => {
      recorder.write(pcm, ts, ssrc);
      if (levelDbfs(pcm) > threshold) lastVoice = Date.now();
      if (recorder.seconds >= maxSeconds) finish({ reason: 'max' });
    };
    const onDigit = (d: string): void => {
      if (stopDigit !== '' && stopDigit.includes(d)) {
        this.digitQueue = this.digitQueue.replace(d, '');
        finish({ reason: 'digit', digit: d });
      }
    };
    this.digitListeners.push(onDigit);
    const onHangup = (): void => finish({ reason: 'hangup' });
    this.hangupListeners.push(onHangup);
    const watch = setInterval(() => {
      if (silenceMs > 0 && Date.now() - lastVoice >= silenceMs) finish({ reason: 'silence' });
    }, 100);
    const limit = setTimeout(() => finish({ reason: 'max' }), maxSeconds * 1000 + 500);
    if (this.ended) finish({ reason: 'hangup' });
    const outcome = await done;
    clearInterval(watch);
    clearTimeout(limit);
    media.sink = undefined;
    this.removeDigitListener(onDigit);
    const i = this.hangupListeners.indexOf(onHangup);
    if (i >= 0) this.hangupListeners.splice(i, 1);
    await recorder.close();
    const result: RecordResult = { file, seconds: recorder.seconds, reason: outcome.reason };
    if (outcome.digit !== undefined) result.digit = outcome.digit;
    this.log.info('recorded', { callId: this.callId, file, seconds: result.seconds, reason: result.reason });
    return result;
  }

  // ── from the SIP side ──────────────────────────────────────────────────────────────────────────────

  /** A digit from RFC 4733 or SIP INFO. INFO is the fallback: ignored once the phone sent RFC 4733 events. */
  digit(d: string, via: 'rfc4733' | 'info'): void {
    if (this.ended || !DIGITS.includes(d)) return;
    if (via === 'info' && this.media?.sawTelephoneEvent) return;
    this.log.debug('digit', { callId: this.callId, digit: d, via });
    this.digitQueue += d;
    for (const l of [...this.digitListeners]) l(d);
    this.wakeDigitWaiters();
  }

  /** An in-dialog NOTIFY from the caller. */
  notified(notify: SipRequest): void {
    for (const l of [...this.notifyListeners]) l(notify);
  }

  /** The call is over (BYE, CANCEL, shutdown …): stop media, wake every waiting operation. */
  end(cause: HangupCause): void {
    if (this.endCause) return;
    this.endCause = cause;
    this.media?.close();
    this.abort.abort();
    this.wakeDigitWaiters();
    for (const l of this.hangupListeners.splice(0)) l(cause);
    this.resolveHungUp(cause);
    this.log.info('call ended', {
      callId: this.callId,
      service: this.info.service,
      cause,
      media: this.media?.stats,
    });
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────────────

  private assertLive(): void {
    if (this.endCause) throw new CallEndedError(this.endCause);
  }

  private removeDigitListener(l: (d: string) => void): void {
    const i = this.digitListeners.indexOf(l);
    if (i >= 0) this.digitListeners.splice(i, 1);
  }

  private wakeDigitWaiters(): void {
    const w = this.digitWaiters;
    this.digitWaiters = [];
    for (const f of w) f();
  }

  private waitForDigit(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = this.digitWaiters.indexOf(wake);
        if (i >= 0) this.digitWaiters.splice(i, 1);
        resolve(false);
      }, ms);
      const wake = (): void => {
        clearTimeout(t);
        resolve(true);
      };
      this.digitWaiters.push(wake);
    });
  }

  private async loadAll(items: PromptItem[], rate: number): Promise<Int16Array> {
    const parts: Int16Array[] = [];
    for (const item of items) {
      if (typeof item === 'object' && 'samples' in item) {
        parts.push(item.samples);
        continue;
      }
      try {
        if (typeof item === 'string') parts.push(await this.prompts.load(item, rate));
        else {
          const wav = parseWav(await fs.readFile(item.file));
          parts.push(
            wav.sampleRate === rate ? wav.samples : new Resampler(wav.sampleRate, rate).process(wav.samples),
          );
        }
      } catch (err) {
        // A missing or unreadable prompt is skipped: the caller hears the rest instead of a dropped call.
        this.log.error('prompt not played', { callId: this.callId, prompt: item, err });
      }
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Int16Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
