/**
 * RFC 4733 telephone-events (DTMF carried in RTP) and their detection.
 *
 * §2.3: payload = event (8 bits) | E (end) | R | volume (6) | duration (16). One key press is one event,
 * identified by its RTP timestamp (§2.5.1.3: "the RTP timestamp … MUST be the same for all packets of an
 * event"); the sender repeats the packet with the E bit three times (§2.5.1.4), so the receiver must count
 * an event once, however many end packets arrive.
 */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** §3.2: events 0–9 are the digits, 10 is *, 11 is #, 12–15 are A–D. */
export const DTMF_EVENTS = '0123456789*#ABCD';

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(e.duration & 0xffff, 2);
  return b;
}

/** The digit of a DTMF event number, or undefined for other events (flash, tones). */
export function dtmfDigit(event: number): string | undefined {
  return event < DTMF_EVENTS.length ? DTMF_EVENTS[event] : undefined;
}

/**
 * Turns a stream of telephone-event packets into digits, each exactly once: a digit is reported at its first
 * end packet; retransmitted end packets (same timestamp and event) are ignored, and so are late packets
 * of an event already reported. When every end packet of an event is lost, the digit is reported as soon
 * as the next event begins. The last few reported events are remembered, so reordering cannot repeat one.
 */
export class DtmfDetector {
  private current: { timestamp: number; event: number; reported: boolean } | undefined;
  private readonly recent: string[] = [];

  /** Feeds one packet's payload with its RTP timestamp; returns the digits it completes (usually 0 or 1). */
  receive(timestamp: number, payload: Uint8Array): string[] {
    const ev = parseTelephoneEvent(payload);
    if (!ev) return [];
    const key = `${timestamp}:${ev.event}`;
    if (this.recent.includes(key)) return [];
    const out: string[] = [];
    const cur = this.current;
    if (!cur || cur.timestamp !== timestamp || cur.event !== ev.event) {
      // A new event: the previous one, if its end was never seen, still was a key press.
      if (cur && !cur.reported) this.report(cur, out);
      this.current = { timestamp, event: ev.event, reported: false };
    }
    if (ev.end) this.report(this.current!, out);
    return out;
  }

  private report(e: { timestamp: number; event: number; reported: boolean }, out: string[]): void {
    e.reported = true;
    this.recent.push(`${e.timestamp}:${e.event}`);
    if (this.recent.length > 8) this.recent.shift();
    const d = dtmfDigit(e.event);
    if (d !== undefined) out.push(d);
  }
}
