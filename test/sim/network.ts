// The simulated LAN: who can hear whom (partitions), and per-packet loss, duplication and delay
// (random per packet, so packets reorder). Every random draw comes from the simulator's seeded PRNG.
export interface NetworkFaults {
  /** Probability a packet to one receiver is lost. */
  lossRate: number;
  /** Probability a delivered packet arrives twice. */
  duplicateRate: number;
  /** One-way delay bounds in ms; each copy draws its own delay, so packets reorder. */
  minDelayMs: number;
  maxDelayMs: number;
}

export class SimNetwork {
  readonly faults: NetworkFaults;
  /** Partition group per node; nodes hear each other only inside one group. */
  readonly #groupOf: number[];
  /** When the partition layout last changed. */
  partitionChangedAt = 0;

  constructor(nodeCount: number, faults: NetworkFaults) {
    this.faults = { ...faults };
    this.#groupOf = new Array<number>(nodeCount).fill(0);
  }

  connected(a: number, b: number): boolean {
    return this.#groupOf[a] === this.#groupOf[b];
  }

  groupOf(node: number): number {
    return this.#groupOf[node]!;
  }

  /** Puts each listed set of nodes in its own group; unlisted nodes stay in group 0. */
  partition(groups: readonly (readonly number[])[], now: number): void {
    this.#groupOf.fill(0);
    groups.forEach((members, g) => members.forEach((node) => (this.#groupOf[node] = g + 1)));
    this.partitionChangedAt = now;
  }

  heal(now: number): void {
    this.#groupOf.fill(0);
    this.partitionChangedAt = now;
  }

  /** Delays of the copies of one packet to one receiver: [] lost, [d] once, [d1, d2] duplicated. */
  copies(random: () => number): number[] {
    const { lossRate, duplicateRate, minDelayMs, maxDelayMs } = this.faults;
    if (random() < lossRate) return [];
    const delay = () => minDelayMs + random() * (maxDelayMs - minDelayMs);
    return random() < duplicateRate ? [delay(), delay()] : [delay()];
  }
}
