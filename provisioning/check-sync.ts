import type { Logger } from '../engine/log/index.js';
import { randomHex } from '../engine/sip/core/random-pool.js';
import { createRequest, type SipMessage } from '../engine/sip/message/index.js';
import type { Flow } from '../engine/sip/transport/flow.js';

/** A registered contact the NOTIFY can go to. */
export interface ResyncTarget {
  extension: string;
  contact: string;
  flow: Flow;
}

export interface CheckSyncDeps {
  send(msg: SipMessage, flow: Flow): unknown;
  advertise: string;
  sipPort: number;
  log: Logger;
}

/**
 * Asks a registered phone to fetch its configuration again: an out-of-dialog NOTIFY with
 * `Event: check-sync` (Yealink, Polycom, Snom, Grandstream; Cisco SPA/MPP take `Event: resync` with
 * Resync_From_SIP on). The phone answers 200 (or challenges; a phone set to authenticate the NOTIFY does not
 * re-provision from us and will at its next periodic check or reboot).
 */
export function sendCheckSync(deps: CheckSyncDeps, target: ResyncTarget, event: string): void {
  const tag = randomHex(6);
  const transport = target.flow.transport === 'UDP' ? 'UDP' : target.flow.transport;
  const notify = createRequest('NOTIFY', target.contact, [
    {
      name: 'Via',
      value: `SIP/2.0/${transport} ${deps.advertise}:${deps.sipPort};branch=z9hG4bK${randomHex(8)};rport`,
    },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:${deps.advertise}:${deps.sipPort}>;tag=${tag}` },
    { name: 'To', value: `<sip:${target.extension}@${deps.advertise}>` },
    { name: 'Call-ID', value: `${randomHex(12)}@${deps.advertise}` },
    { name: 'CSeq', value: '1 NOTIFY' },
    { name: 'Contact', value: `<sip:${deps.advertise}:${deps.sipPort}>` },
    { name: 'Event', value: event },
    { name: 'Subscription-State', value: 'terminated' },
  ]);
  deps.send(notify, target.flow);
  deps.log.info('asked a phone to fetch its configuration again', {
    extension: target.extension,
    contact: target.contact,
    event,
  });
}
