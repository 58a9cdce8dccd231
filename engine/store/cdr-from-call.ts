import type { CallMediaStats } from '../media/relay-driver.js';
import type { Call } from '../sip/calls/call-record.js';
import type { NewCdr } from './cdr-repository.js';

/**
 * The record of a call the CallTracker reports as ended, with the relay's final statistics when the call
 * had media. Pure: the same call gives the same record. A call that somehow has no end time ends when it
 * was answered (or started); one without a disposition counts as ANSWERED if it was answered, else FAILED.
 */
export function cdrFromCall(call: Call, media?: CallMediaStats): NewCdr {
  const end = call.end ?? call.answer ?? call.start;
  return {
    callId: call.callId,
    caller: call.caller,
    callee: call.callee,
    start: call.start,
    answer: call.answer,
    end,
    disposition: call.disposition ?? (call.answer !== undefined ? 'ANSWERED' : 'FAILED'),
    status: call.status,
    endReason: call.endReason,
    media: media?.streams,
  };
}
