/**
 * The relay's UDP port pairs: RTP on an even port, RTCP on the odd port above it (RFC 3550 §11), drawn
 * from `--rtp-ports A-B`. Lives on the main thread only; workers bind what it hands out.
 *
 * Free pairs form a FIFO ring: a released pair goes to the back, so a port is reused as late as possible
 * and stray packets of an ended call rarely reach the next one. Allocation and release are O(1) and
 * allocate nothing; releasing a pair that is not in use is refused (returns false) rather than corrupting
 * the ring, which is what keeps a double delete from ever handing one pair to two calls.
 */
export class PortPool {
  /** Lowest RTP port (even). */
  readonly first: number;
  /** Number of pairs in the range. */
  readonly capacity: number;
  private readonly ring: Int32Array;
  private head = 0;
  private count: number;
  private readonly inUse: Uint8Array;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max)
      throw new RangeError(`invalid RTP port range ${min}-${max}`);
    this.first = min % 2 === 0 ? min : min + 1;
    this.capacity = Math.max(0, Math.floor((max - this.first + 1) / 2));
    if (this.capacity === 0) throw new RangeError(`RTP port range ${min}-${max} holds no even/odd port pair`);
    this.ring = new Int32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) this.ring[i] = this.first + 2 * i;
    this.count = this.capacity;
    this.inUse = new Uint8Array(this.capacity);
  }

  /** Free pairs. */
  get available(): number {
    return this.count;
  }

  get used(): number {
    return this.capacity - this.count;
  }

  /** The RTP port of a free pair, or undefined when the range is exhausted. */
  allocate(): number | undefined {
    if (this.count === 0) return undefined;
    const port = this.ring[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.inUse[(port - this.first) >> 1] = 1;
    return port;
  }

  /** Returns a pair (by its RTP port). False, and nothing changes, if it was not allocated. */
  release(port: number): boolean {
    const slot = (port - this.first) >> 1;
    if (port % 2 !== this.first % 2 || slot < 0 || slot >= this.capacity || this.inUse[slot] !== 1)
      return false;
    this.inUse[slot] = 0;
    this.ring[(this.head + this.count) % this.capacity] = port;
    this.count++;
    return true;
  }

  isAllocated(port: number): boolean {
    const slot = (port - this.first) >> 1;
    return slot >= 0 && slot < this.capacity && this.inUse[slot] === 1 && port % 2 === this.first % 2;
  }
}
