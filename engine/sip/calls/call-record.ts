import type { Flow } from '../transport/flow.js';

/** Dispositions of DESIGN.md's call records. */
export type Disposition = 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED' | 'VOICEMAIL';

export type CallState = 'trying' | 'ringing' | 'answered' | 'ended';

/** One call attempt as the proxy saw it: who, when, how it ended. */
export interface Call {
  callId: string;
  /** From tag of the caller (the dialog's local tag on the caller's side). */
  callerTag: string;
  /** To tag of the answering phone, once answered. */
  calleeTag: string | undefined;
  caller: string;
  callee: string;
  state: CallState;
  start: number;
  answer: number | undefined;
  end: number | undefined;
  disposition: Disposition | undefined;
  /** Set when the proxy sent the call to voicemail (no answer, busy, unavailable, or dialled `*<ext>`). */
  divertedTo?: { service: 'voicemail'; reason: string };
  /** Final SIP status of the INVITE, or the status/reason that ended the call. */
  status: number | undefined;
  endReason: string | undefined;
  /** What is needed to end the call from the middle (media timeout): each side's flow, contact, headers. */
  dialog: {
    callerFlow: Flow;
    callerContact: string | undefined;
    callerFrom: string;
    callerTo: string;
    callerCSeq: number;
    calleeContact: string | undefined;
    calleeTo: string | undefined;
    calleeCSeq: number;
  };
}

/** Status classes to dispositions (DESIGN.md): busy, not answered, failed. */
export function dispositionFor(status: number): Disposition {
  if (status >= 200 && status < 300) return 'ANSWERED';
  if (status === 486 || status === 600) return 'BUSY';
  if (status === 487 || status === 480 || status === 408 || status === 603) return 'NO ANSWER';
  return 'FAILED';
}
