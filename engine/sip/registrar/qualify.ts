import type { Logger } from '../../log/index.js';
import type { LocalAddresses } from '../core/local-addresses.js';
import { createRequest } from '../message/sip-message.js';
import type { Binding } from '../location/binding.js';
import type { LocationService } from '../location/location-service.js';
import { newBranch, type TransactionLayer } from '../transaction/transaction-layer.js';
import { randomHex } from '../core/random-pool.js';

const QUALIFY_TIMEOUT_MS = 5000;

/**
 * Keep-alive OPTIONS ("qualify") to every registered contact. Any response, even an error, proves the
 * phone is reachable and keeps its NAT binding open; a timeout marks the contact unreachable.
 * Probes are spread over the interval so 10,000 phones do not all get pinged in the same millisecond.
 */
export class Qualifier {
  private timer: NodeJS.Timeout | undefined;
  /** Next probe time per binding (aor + contact). */
  private readonly due = new Map<string, number>();
  private readonly tickMs = 1000;

  constructor(
    private readonly location: LocationService,
    private readonly transactions: TransactionLayer,
    private readonly local: LocalAddresses,
    private readonly intervalSeconds: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /**
   * Probes every binding whose turn has come: each once per interval, the first time at a random point of
   * the interval after it registered, so that probes of many phones spread out evenly.
   */
  private tick(now = Date.now()): void {
    const seen = new Set<string>();
    for (const b of this.location.all(now)) {
      const key = `${b.aor}\n${b.contact}`;
      seen.add(key);
      const due = this.due.get(key);
      if (due === undefined) {
        this.due.set(key, now + Math.random() * this.intervalSeconds * 1000);
      } else if (due <= now) {
        this.due.set(key, now + this.intervalSeconds * 1000);
        this.probe(b);
      }
    }
    if (this.due.size > seen.size)
      for (const key of this.due.keys()) if (!seen.has(key)) this.due.delete(key);
  }

  probe(b: Binding): void {
    const tag = randomHex(4);
    const sentBy = this.local.sentBy(b.flow.transport);
    const req = createRequest('OPTIONS', b.contact, [
      { name: 'Via', value: `SIP/2.0/${b.flow.transport} ${sentBy};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<sip:keepalive@${sentBy}>;tag=${tag}` },
      { name: 'To', value: `<${b.contact}>` },
      { name: 'Call-ID', value: randomHex(10) },
      { name: 'CSeq', value: '1 OPTIONS' },
    ]);
    const mark = (reachable: boolean): void => {
      const current = this.location.get(b.aor, b.contact);
      if (!current || current.reachable === reachable) return;
      current.reachable = reachable;
      this.log.info(reachable ? 'contact reachable' : 'contact stopped answering keep-alives', {
        aor: b.aor,
        contact: b.contact,
      });
    };
    // A phone that has not answered within a few seconds is reported unreachable without waiting for
    // Timer F (32 s); a late answer still marks it reachable again.
    let answered = false;
    const deadline = setTimeout(() => {
      if (!answered) mark(false);
    }, QUALIFY_TIMEOUT_MS);
    deadline.unref();
    this.transactions.sendRequest(req, b.flow, {
      receiveResponse: (res) => {
        if (res.status < 200) return;
        answered = true;
        clearTimeout(deadline);
        mark(true);
      },
      onRequestTimeout: () => mark(false),
      onTransportError: () => {
        clearTimeout(deadline);
        mark(false);
      },
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
