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
  private cursor = 0;
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

  private tick(): void {
    const all = this.location.all();
    if (all.length === 0) return;
    const perTick = Math.max(1, Math.ceil(all.length / this.intervalSeconds));
    for (let i = 0; i < perTick && i < all.length; i++) {
      this.cursor = (this.cursor + 1) % all.length;
      this.probe(all[this.cursor]!);
    }
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
