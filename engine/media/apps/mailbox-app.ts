import fs from 'node:fs';
import type { Logger } from '../../log/index.js';
import type { VoicemailMessage } from '../../store/voicemail-repository.js';
import { encodeWav, parseWav } from '../audio/wav-file.js';
import type { AppCall, PromptItem } from './app-call.js';
import type { MediaApplication } from './media-endpoint.js';
import { PinGuard, pinMatches } from './pin-guard.js';
import { sayDateTime, sayDigits, sayNumber } from './say-english.js';
import type { VoicemailBoxes } from './voicemail-boxes.js';

export interface MailboxOptions {
  /** A mailbox's PIN (its user's voicemailPin), or undefined when there is no such user. */
  pinOf(extension: string): string | undefined;
  /** Wrong PINs across calls; one per endpoint, so redialling does not reset it. */
  guard?: PinGuard;
  /** Wrong PINs (or mailbox numbers) allowed in one call. Default 3. */
  attemptsPerCall?: number;
  /** How long a menu waits for a key; three waits in a row without one end the call. Default 10 s. */
  menuTimeoutMs?: number;
  /** Longest greeting recorded by phone. Default 120 s. */
  greetingMaxSeconds?: number;
  /** Silence that ends a greeting recording. Default 5 s. */
  greetingSilenceSeconds?: number;
  /** "Today" / "yesterday" in the envelope are relative to this; for tests. */
  now?: () => Date;
}

/**
 * Every fixed prompt the menu plays (read-outs come from say-english.ts). A unit test checks each is in
 * the shipped library, so a renamed prompt fails the build instead of going silent on a call.
 */
export const MAILBOX_PROMPTS = {
  enterMailbox: 'vm-enter-mailbox',
  enterPin: 'vm-enter-pin',
  wrongPin: 'vm-wrong-pin',
  locked: 'vm-mailbox-locked',
  goodbye: 'goodbye',
  invalid: 'invalid',
  youHave: 'vm-you-have',
  no: 'vm-no',
  and: 'vm-and',
  newMessage: 'vm-new-message',
  newMessages: 'vm-new-messages',
  savedMessage: 'vm-saved-message',
  savedMessages: 'vm-saved-messages',
  press1Listen: 'vm-press-1-listen',
  press3Greeting: 'vm-press-3-greeting',
  pressStarRepeat: 'vm-press-star-repeat',
  pressPoundExit: 'vm-press-pound-exit',
  message: 'vm-message',
  received: 'vm-received',
  from: 'vm-from',
  extension: 'extension',
  unknownCaller: 'vm-unknown-caller',
  press1Replay: 'vm-press-1-replay',
  press2Save: 'vm-press-2-save',
  press7Delete: 'vm-press-7-delete',
  press9Next: 'vm-press-9-next',
  pressStarMain: 'vm-press-star-main',
  saved: 'vm-saved',
  deleted: 'vm-deleted',
  noMoreMessages: 'vm-no-more-messages',
  recordGreeting: 'vm-record-greeting',
  greetingReview: 'vm-greeting-review',
  greetingPress3Delete: 'vm-greeting-press-3-delete',
  greetingSaved: 'vm-greeting-saved',
  greetingDeleted: 'vm-greeting-deleted',
  beep: 'beep',
} as const;

const P = MAILBOX_PROMPTS;

/** What a listener hears first: "You have 2 new messages and no saved messages." */
export function summaryPrompts(unheard: number, heard: number): string[] {
  const count = (n: number): string[] => (n === 0 ? [P.no] : sayNumber(Math.min(n, 999_999)));
  return [
    P.youHave,
    ...count(unheard),
    unheard === 1 ? P.newMessage : P.newMessages,
    P.and,
    ...count(heard),
    heard === 1 ? P.savedMessage : P.savedMessages,
  ];
}

/**
 * The envelope read before a message: "Message 1. Received today at 3 45 P M from extension 2 0 1."
 * A caller that is one of our extensions is read as "extension …", any other number digit by digit, and a
 * caller without digits (anonymous) as "an unknown caller".
 */
export function envelopePrompts(
  m: Pick<VoicemailMessage, 'created' | 'caller'>,
  position: number,
  isExtension: (user: string) => boolean,
  now: Date = new Date(),
): string[] {
  const digits = /^\+?[0-9*#]+$/.test(m.caller) ? sayDigits(m.caller) : [];
  const from =
    digits.length === 0 ? [P.unknownCaller] : isExtension(m.caller) ? [P.extension, ...digits] : digits;
  return [
    P.message,
    ...sayNumber(Math.min(position, 999_999)),
    P.received,
    ...sayDateTime(new Date(m.created), now),
    P.from,
    ...from,
  ];
}

const MAIN_MENU: string[] = [P.press1Listen, P.press3Greeting, P.pressStarRepeat, P.pressPoundExit];
const MESSAGE_MENU: string[] = [P.press1Replay, P.press2Save, P.press7Delete, P.press9Next, P.pressStarMain];
const GREETING_REVIEW: string[] = [P.greetingReview, P.greetingPress3Delete, P.pressStarMain];
/** A greeting shorter than this is taken as nothing recorded (a # pressed straight after the beep). */
const MIN_GREETING_SECONDS = 0.5;
/** Menus are bounded in rounds as well as by timeouts: a caller cannot keep a call in a loop forever. */
const MAX_ROUNDS = 500;

/**
 * Listening to messages by phone (`sip:mailbox+<extension>@…`, the caller's own box, reached by *97 through
 * the proxy, which has authenticated the caller; `sip:mailbox@…`, any box, reached by *98, asks for the
 * mailbox number first). Both ask for the PIN; three wrong entries in a call end it, and PinGuard locks a
 * mailbox after repeated failures across calls. An unknown mailbox number is handled exactly like a wrong
 * PIN, so a caller learns nothing about which mailboxes exist.
 *
 * Main menu: 1 messages, 3 greeting, * or 0 the menu again, # goodbye. Messages play new first, then saved,
 * each oldest first, after its envelope; while or after one plays: 1 replay, 2 save, 7 delete, 9 or # next,
 * * main menu. A new message played to its end counts as heard (it is saved), as on most systems; one the
 * listener skipped with a key stays new unless they press 2. Keys barge into every prompt and may be typed
 * ahead.
 */
export function mailboxApp(boxes: VoicemailBoxes, opts: MailboxOptions, log: Logger): MediaApplication {
  const guard = opts.guard ?? new PinGuard();
  return async (call) => {
    const mailbox = await logIn(call, guard, opts, log);
    if (mailbox === undefined) return;
    await new MailboxSession(call, boxes, mailbox, opts, log).run();
  };
}

/** The PIN dialogue; the mailbox opened, or undefined when the call was ended. */
async function logIn(
  call: AppCall,
  guard: PinGuard,
  opts: MailboxOptions,
  log: Logger,
): Promise<string | undefined> {
  const attempts = opts.attemptsPerCall ?? 3;
  const timeoutMs = opts.menuTimeoutMs ?? 10_000;
  const own = call.info.argument;
  const entry = { max: 16, terminators: '#', timeoutMs, interDigitTimeoutMs: 5000 };
  const ctx = { callId: call.callId, caller: call.info.caller };
  const refuse = async (items: string[]): Promise<undefined> => {
    await call.play([...items, P.goodbye]);
    await call.hangup();
    return undefined;
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let box = own;
    if (box === '') {
      const r = await call.collectDigits({ ...entry, prompt: P.enterMailbox });
      if (r.reason === 'hangup') return undefined;
      box = r.digits;
    }
    if (box !== '' && guard.lockedFor(box) > 0) {
      log.warn('mailbox locked: log-in refused', {
        ...ctx,
        mailbox: box,
        seconds: guard.lockedFor(box) / 1000,
      });
      return refuse([P.locked]);
    }
    const pin = await call.collectDigits({ ...entry, prompt: P.enterPin });
    if (pin.reason === 'hangup') return undefined;
    if (box !== '' && pinMatches(pin.digits, opts.pinOf(box))) {
      guard.succeed(box);
      log.info('mailbox opened by phone', { ...ctx, mailbox: box });
      return box;
    }
    // An empty entry (a timeout) is not a guess; anything typed is, for mailboxes that exist or not.
    if (box !== '' && pin.digits !== '') {
      log.info('wrong voicemail PIN', { ...ctx, mailbox: box, attempt });
      if (guard.fail(box)) {
        log.warn('mailbox locked after repeated wrong PINs', { ...ctx, mailbox: box });
        return refuse([P.wrongPin, P.locked]);
      }
    }
    if (attempt === attempts) return refuse([P.wrongPin]);
    // The next entry may be typed over this.
    const r = await call.play(P.wrongPin, { bargeIn: true });
    if (r.reason === 'hangup') return undefined;
  }
  return undefined;
}

type MessageOutcome = 'next' | 'main' | 'idle';

/** One listener in an opened mailbox: the menus. */
class MailboxSession {
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly call: AppCall,
    private readonly boxes: VoicemailBoxes,
    private readonly mailbox: string,
    private readonly opts: MailboxOptions,
    private readonly log: Logger,
  ) {
    this.timeoutMs = opts.menuTimeoutMs ?? 10_000;
    this.now = opts.now ?? ((): Date => new Date());
  }

  /** One key, the prompt barged into by it (or by one typed ahead); '' after a timeout, undefined on hang-up. */
  private async key(prompt: PromptItem[]): Promise<string | undefined> {
    const r = await this.call.collectDigits({ prompt, max: 1, timeoutMs: this.timeoutMs });
    return r.reason === 'hangup' ? undefined : r.digits;
  }

  private async goodbye(): Promise<void> {
    await this.call.play(P.goodbye);
    await this.call.hangup();
  }

  async run(): Promise<void> {
    let idle = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { unheard, heard } = this.boxes.playOrder(this.mailbox);
      const k = await this.key([...summaryPrompts(unheard.length, heard.length), ...MAIN_MENU]);
      if (k === undefined) return;
      if (k === '') {
        if (++idle >= 3) return this.goodbye();
        continue;
      }
      idle = 0;
      if (k === '1') {
        if ((await this.messages()) === 'idle') return this.goodbye();
      } else if (k === '3') {
        if ((await this.greeting()) === 'idle') return this.goodbye();
      } else if (k === '#') return this.goodbye();
      else if (k !== '*' && k !== '0') await this.call.play(P.invalid, { bargeIn: true });
    }
    await this.goodbye();
  }

  /** Plays the messages in order (a snapshot: messages arriving meanwhile wait for the next round). */
  private async messages(): Promise<MessageOutcome> {
    const { unheard, heard } = this.boxes.playOrder(this.mailbox);
    const list = [...unheard, ...heard];
    for (let i = 0; i < list.length; i++) {
      // It may have been deleted from the console meanwhile.
      const m = this.boxes.get(this.mailbox, list[i]!.id);
      if (!m) continue;
      const outcome = await this.message(m, i + 1);
      if (outcome !== 'next') return outcome;
    }
    await this.call.play(P.noMoreMessages, { bargeIn: true });
    return 'main';
  }

  private async message(m: VoicemailMessage, position: number): Promise<MessageOutcome> {
    const isExtension = (u: string): boolean => this.opts.pinOf(u) !== undefined;
    let playIt = true;
    let idle = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (playIt) {
        playIt = false;
        const r = await this.call.play(
          [...envelopePrompts(m, position, isExtension, this.now()), { file: this.boxes.fileOf(m) }],
          { bargeIn: true },
        );
        if (r.reason === 'hangup') return 'main';
        if (r.reason === 'done' && !m.heard) {
          this.boxes.setHeard(this.mailbox, m.id, true);
          m.heard = true;
        }
      }
      const k = await this.key(MESSAGE_MENU);
      if (k === undefined) return 'main';
      if (k === '') {
        if (++idle >= 3) return 'idle';
        continue;
      }
      idle = 0;
      switch (k) {
        case '1':
          playIt = true;
          break;
        case '2':
          this.boxes.setHeard(this.mailbox, m.id, true);
          m.heard = true;
          this.log.info('voicemail saved by phone', { mailbox: this.mailbox, id: m.id });
          await this.call.play(P.saved, { bargeIn: true });
          break;
        case '7':
          this.boxes.delete(this.mailbox, m.id);
          this.log.info('voicemail deleted by phone', { mailbox: this.mailbox, id: m.id });
          await this.call.play(P.deleted, { bargeIn: true });
          return 'next';
        case '9':
        case '#':
          return 'next';
        case '*':
          return 'main';
        case '0':
          break; // the options again
        default:
          await this.call.play(P.invalid, { bargeIn: true });
      }
    }
    return 'main';
  }

  /**
   * Greeting options: record after the beep until # (or silence), hear it back, then 1 keep it, 2 record
   * again, 3 delete the custom greeting (callers hear the standard one), * back without a change. The
   * recording goes to a scratch file in the mailbox's folder; only "keep" moves it where callers hear it.
   */
  private async greeting(): Promise<MessageOutcome> {
    let scratch: string | undefined;
    let usable = false;
    const discard = (): void => {
      if (scratch) fs.rmSync(scratch, { force: true });
      scratch = undefined;
    };
    try {
      let record = true;
      let idle = 0;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (record) {
          record = false;
          discard();
          const intro = await this.call.play(P.recordGreeting, { bargeIn: '#' });
          if (intro.reason === 'hangup') return 'main';
          scratch = this.boxes.scratchFile(this.mailbox, 'greeting');
          const silence = this.opts.greetingSilenceSeconds ?? 5;
          const r = await this.call.record(scratch, {
            maxSeconds: this.opts.greetingMaxSeconds ?? 120,
            silenceSeconds: silence,
            stopOnDigit: '#',
            beep: true,
          });
          if (r.reason === 'hangup') return 'main';
          const seconds = r.reason === 'silence' ? trimEnd(scratch, silence) : r.seconds;
          usable = seconds >= MIN_GREETING_SECONDS;
          if (usable) {
            const back = await this.call.play({ file: scratch }, { bargeIn: true });
            if (back.reason === 'hangup') return 'main';
          }
        }
        const k = await this.key(GREETING_REVIEW);
        if (k === undefined) return 'main';
        if (k === '') {
          if (++idle >= 3) return 'idle';
          continue;
        }
        idle = 0;
        if (k === '1' && usable && scratch) {
          this.boxes.setGreetingFile(this.mailbox, scratch);
          scratch = undefined;
          await this.call.play(P.greetingSaved, { bargeIn: true });
          return 'main';
        } else if (k === '2') record = true;
        else if (k === '3') {
          this.boxes.deleteGreeting(this.mailbox);
          await this.call.play(P.greetingDeleted, { bargeIn: true });
          return 'main';
        } else if (k === '*') return 'main';
        else await this.call.play(P.invalid, { bargeIn: true });
      }
      return 'main';
    } finally {
      discard();
    }
  }
}

/** Cuts the silence that ended a recording off its end; the length left, in seconds. */
function trimEnd(file: string, seconds: number): number {
  const wav = parseWav(fs.readFileSync(file));
  const keep = Math.max(0, wav.samples.length - Math.round(seconds * wav.sampleRate));
  fs.writeFileSync(file, encodeWav(wav.samples.subarray(0, keep), wav.sampleRate));
  return keep / wav.sampleRate;
}
