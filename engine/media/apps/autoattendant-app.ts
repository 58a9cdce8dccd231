import type {
  AttendantConfig,
  AttendantDestination,
  AttendantMenu,
} from '../../attendant/attendant-config.js';
import { isOpen } from '../../attendant/business-hours.js';
import { decideEntry } from '../../attendant/menu-entry.js';
import type { Logger } from '../../log/index.js';
import type { AppCall } from './app-call.js';
import type { MediaApplication } from './media-endpoint.js';

export interface AutoAttendantOptions {
  config(): AttendantConfig;
  /** Every user's extension (dial-by-extension), and whether one exists. */
  extensions(): readonly string[];
  hasExtension(extension: string): boolean;
  /** Where callers are transferred to: the PBX proxy (`--advertise`, `--sip-port`). */
  pbxHost: string;
  pbxPort: number;
  /** The zone business hours are read in when the attendant names none (`--time-zone`). */
  timeZone: string;
  /** After a menu key that could start an extension, how long a pause chooses the key. Default 2000 ms. */
  ambiguousKeyMs?: number;
  /** Between the keys of a typed extension. Default 3000 ms. */
  interDigitMs?: number;
  /** How long to follow a transfer for its outcome before leaving it to the caller. Default 60 s. */
  transferWaitMs?: number;
  now?: () => Date;
}

/** How a REFER ended, as far as the attendant needs to know. */
type TransferOutcome = 'transferred' | 'refused' | 'target failed' | 'hangup';

/**
 * The auto-attendant (`sip:autoattendant@…`): the greeting of the office's open or after-hours menu with
 * barge-in, then a key or an extension number, then a blind transfer: "please hold", a REFER (RFC 3515)
 * that sends the caller's phone to the extension through the proxy, and hang-up once the phone reports
 * that the new call was answered (or is still ringing when `transferWaitMs` runs out). No key, or entries
 * that lead nowhere, replay the greeting up to `maxTries` times, then the timeout / invalid destination.
 * A REFER the phone refuses, or a target that fails, brings the caller back to the menu.
 */
export function autoAttendantApp(opts: AutoAttendantOptions, log: Logger): MediaApplication {
  const ambiguousKeyMs = opts.ambiguousKeyMs ?? 2000;
  const interDigitMs = opts.interDigitMs ?? 3000;
  const transferWaitMs = opts.transferWaitMs ?? 60_000;
  const now = opts.now ?? (() => new Date());

  return async (call) => {
    const config = opts.config();
    if (!config.enabled) {
      call.reject(480, 'Auto-Attendant Disabled');
      return;
    }
    const open = isOpen(config, now(), opts.timeZone);
    const menu: AttendantMenu = open ? config : config.afterHours;
    const ctx = { callId: call.callId, caller: call.info.caller, open };
    log.info('auto-attendant call', ctx);
    let failure: 'timeout' | 'invalid' = 'timeout';
    for (let tries = 0; tries < config.maxTries; tries++) {
      const entry = await readEntry(call, menu, config);
      if (entry === 'hangup') return;
      if (entry === 'timeout' || entry === 'invalid') {
        failure = entry;
        log.info('auto-attendant: no valid choice', { ...ctx, entry, try: tries + 1 });
        // A key pressed during "not valid" starts the next entry (and skips the greeting).
        if (entry === 'invalid' && tries + 1 < config.maxTries) {
          if ((await call.play('aa-invalid', { bargeIn: true })).reason === 'hangup') return;
        }
        continue;
      }
      const outcome = await go(call, entry, config);
      if (outcome === 'transferred' || outcome === 'hangup') return;
      failure = 'invalid';
      const sorry = outcome === 'refused' ? 'aa-transfer-failed' : 'aa-no-answer';
      if ((await call.play(sorry)).reason === 'hangup') return;
      call.flushDigits();
    }
    const last = failure === 'timeout' ? menu.onTimeout : menu.onInvalid;
    log.info('auto-attendant: tries used up', { ...ctx, failure, destination: last });
    if (failure === 'invalid') await call.play('aa-invalid');
    await go(call, last, config);
  };

  /** The greeting, then keys until a destination, a timeout or nothing valid. */
  async function readEntry(
    call: AppCall,
    menu: AttendantMenu,
    config: AttendantConfig,
  ): Promise<AttendantDestination | 'timeout' | 'invalid' | 'hangup'> {
    const played = await call.play(menu.greeting, { bargeIn: true });
    if (played.reason === 'hangup') return 'hangup';
    const extensions = opts.extensions();
    let entry = '';
    // Bounded: each round takes one key or ends (the longest extension is 15 digits).
    for (let round = 0; round < 20; round++) {
      const decision = decideEntry(entry, false, menu, config.operator, extensions);
      if (decision.kind === 'go') return decision.destination;
      if (decision.kind === 'invalid') return 'invalid';
      const wait =
        entry === '' ? config.timeoutSeconds * 1000 : decision.ambiguous ? ambiguousKeyMs : interDigitMs;
      const got = await call.collectDigits({ max: 1, timeoutMs: wait });
      if (got.reason === 'hangup') return 'hangup';
      const key = got.digits;
      if (key === '' || key === '#') {
        // A pause or '#': the entry is complete.
        if (entry === '' && key === '') return 'timeout';
        const final = decideEntry(entry, true, menu, config.operator, extensions);
        return final.kind === 'go' ? final.destination : 'invalid';
      }
      entry += key;
    }
    return 'invalid';
  }

  /** Sends the caller to a destination; resolves when the attendant is done with the call. */
  async function go(
    call: AppCall,
    destination: AttendantDestination,
    config: AttendantConfig,
  ): Promise<TransferOutcome> {
    let target: string | undefined;
    switch (destination.type) {
      case 'extension':
        target = destination.extension;
        break;
      case 'voicemail':
        target = `*${destination.extension}`; // the dial plan's "leave a message for <extension>"
        break;
      case 'operator':
        target = config.operator ?? undefined;
        break;
      case 'hangup':
        break;
    }
    const missing = target !== undefined && !opts.hasExtension(target.replace(/^\*/, ''));
    if (target === undefined || missing) {
      if (missing)
        log.warn('auto-attendant: destination has no user any more', { callId: call.callId, target });
      await call.play('goodbye');
      await call.hangup();
      return 'hangup';
    }
    if ((await call.play('aa-transfer')).reason === 'hangup') return 'hangup';
    const outcome = await transfer(call, target, config.extension);
    log.info('auto-attendant transfer', { callId: call.callId, target, outcome });
    if (outcome === 'transferred') await call.hangup();
    return outcome;
  }

  /**
   * A blind transfer by REFER (RFC 3515): the caller's phone calls `target` through the proxy and reports
   * progress in NOTIFYs whose `message/sipfrag` body is the new call's status line (§2.4.5).
   */
  async function transfer(call: AppCall, target: string, attendant: string): Promise<TransferOutcome> {
    const statuses: number[] = [];
    let wake: (() => void) | undefined;
    const stop = call.onNotify((notify) => {
      const status = /^SIP\/2\.0\s+(\d{3})/.exec(notify.body.toString('utf8').trimStart())?.[1];
      if (status !== undefined) statuses.push(Number(status));
      wake?.();
    });
    try {
      const uri = (user: string): string => `<sip:${user}@${opts.pbxHost}:${opts.pbxPort}>`;
      const res = await call.request('REFER', [
        { name: 'Refer-To', value: uri(target) },
        { name: 'Referred-By', value: uri(attendant) },
      ]);
      if (call.ended) return 'hangup';
      if (res.status >= 300) {
        log.info('auto-attendant: REFER refused', { callId: call.callId, status: res.status, target });
        return 'refused';
      }
      const deadline = Date.now() + transferWaitMs;
      // Bounded by the deadline: each round waits for a NOTIFY, the caller's hang-up or the time left.
      while (!call.ended && Date.now() < deadline) {
        const final = statuses.find((s) => s >= 200);
        if (final !== undefined) return final < 300 ? 'transferred' : 'target failed';
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
          call.hungUp.then(
            () => wake?.(),
            () => undefined,
          );
        });
        wake = undefined;
      }
      // The caller's phone took the call over (it hung up on us) or is still ringing the target.
      return 'transferred';
    } finally {
      stop();
    }
  }
}
