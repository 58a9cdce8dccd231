import type { Logger } from '../../log/index.js';
import type { MediaApplication } from './media-endpoint.js';
import { sayDigits } from './say-english.js';
import type { VoicemailBoxes } from './voicemail-boxes.js';

export interface VoicemailOptions {
  /** Whether an extension has a mailbox (a user exists). */
  hasMailbox(extension: string): boolean;
  /** Longest message; 180 s by default. */
  maxSeconds?: number;
  /** Shorter messages are discarded (row and file); 2 s by default. */
  minSeconds?: number;
  /** Silence that ends a message; 5 s by default. */
  silenceSeconds?: number;
}

/**
 * Leaving a message (`sip:voicemail+<extension>@…`): the mailbox's greeting (its own `greeting.wav`, or
 * the default that reads out the extension; `#` skips it), a beep, then a recording until hang-up, `#`,
 * silence or the maximum length. Too short a message is discarded. An unknown mailbox is refused with
 * 404 before answering (the proxy only routes existing users here; a caller dialling in directly gets the
 * phone's own "not found").
 */
export function voicemailApp(boxes: VoicemailBoxes, opts: VoicemailOptions, log: Logger): MediaApplication {
  const maxSeconds = opts.maxSeconds ?? 180;
  const minSeconds = opts.minSeconds ?? 2;
  const silenceSeconds = opts.silenceSeconds ?? 5;
  return async (call) => {
    const mailbox = call.info.argument;
    if (!mailbox || !opts.hasMailbox(mailbox)) {
      call.reject(404, 'No Such Mailbox');
      return;
    }
    const custom = boxes.customGreeting(mailbox);
    const greeting = custom ? [{ file: custom }] : standardGreeting(mailbox, call.info.header('Diversion'));
    const played = await call.play(greeting, { bargeIn: '#' });
    if (played.reason === 'hangup') return;

    const { message, file } = boxes.start({
      mailbox,
      caller: call.info.caller,
      callerName: call.info.callerName,
      created: Date.now(),
    });
    let r;
    try {
      r = await call.record(file, { maxSeconds, silenceSeconds, stopOnDigit: '#', beep: true });
    } catch (err) {
      // Whatever reached the disk is kept: the message's length comes from its file.
      boxes.finishFromFile(message.id);
      throw err;
    }
    // Trailing silence is not part of what was said.
    const spoken = r.reason === 'silence' ? Math.max(0, r.seconds - silenceSeconds) : r.seconds;
    if (spoken < minSeconds) {
      boxes.delete(mailbox, message.id);
      log.info('voicemail too short: discarded', { mailbox, caller: call.info.caller, seconds: spoken });
      return;
    }
    boxes.finish(message.id, r.seconds);
    log.info('voicemail left', { mailbox, id: message.id, caller: call.info.caller, seconds: r.seconds });
    if (r.reason !== 'hangup') await call.play('goodbye');
  };
}

/**
 * The greeting of a mailbox without its own: "The person at extension 2 0 1 is not available" — or "is on
 * the phone" when the proxy diverted the call because the phone said busy (RFC 5806 `reason=user-busy`).
 */
export function standardGreeting(mailbox: string, diversion: string | undefined): string[] {
  const busy = diversion !== undefined && /;\s*reason\s*=\s*"?user-busy"?/i.test(diversion);
  return [
    'vm-person-at-extension',
    ...sayDigits(mailbox),
    busy ? 'vm-on-the-phone' : 'vm-not-available',
    'vm-leave-message',
  ];
}
