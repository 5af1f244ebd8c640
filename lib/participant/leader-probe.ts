// Probes the leader the core names (Election.probeTarget) every half heartbeat, so that a leader
// whose process died while its host stays up is given up after 1.5 heartbeats instead of
// misses + ½ (see docs/PROTOCOL.md, "Leader probe"). Only the v1 follower next in line probes;
// every other node keeps no probe socket.
import { needsScope } from '../address';
import type { NodeIdentity } from '../core/types';
import { UnicastProbe } from '../socket/unicast-probe';
import type { Logger } from './logger';

export interface LeaderProberOptions {
  readonly family: 4 | 6;
  /**
   * The port the leader's participant is bound to: the group's, or with peers its entry's;
   * undefined when that is not known (several peers share the leader's address): no probe then,
   * since a refusal from another port of that host would say nothing about the leader.
   */
  readonly portOf: (address: string) => number | undefined;
  readonly log: Logger;
  /** The leader at `address` refused a probe (ICMP port unreachable). */
  readonly onRefused: (address: string) => void;
}

/** What the prober needs to know after each step. */
export interface ProbeView {
  /** The leader to probe now, or undefined for none. */
  readonly target: NodeIdentity | undefined;
  /** The core found that the leader's host refuses probes while the leader lives. */
  readonly leaderRefusesProbes: boolean;
  readonly nic: { readonly name: string; readonly index: number };
  readonly heartbeatMs: number;
}

export class LeaderProber {
  readonly #options: LeaderProberOptions;
  #probe: UnicastProbe | undefined;

  constructor(options: LeaderProberOptions) {
    this.#options = options;
  }

  /** Probes `view.target`, keeping the probe of the same leader, or none. */
  sync({ target, leaderRefusesProbes, nic, heartbeatMs }: ProbeView): void {
    if (this.#probe !== undefined && this.#probe.peer === target?.address) return;
    if (this.#probe !== undefined && leaderRefusesProbes) {
      this.#options.log.warn({ leader: this.#probe.peer }, "the leader's host answers our probe with ICMP port unreachable while the leader is alive (a firewall reject rule?); not probing it any more: allow unicast UDP to the group port from the LAN, or use --no-probe");
    }
    this.close();
    if (target === undefined) return;
    const { family, portOf, onRefused } = this.#options;
    const address = target.address;
    const port = portOf(address);
    if (port === undefined) return;
    try {
      this.#probe = new UnicastProbe({
        family, address, port,
        ...(needsScope(address) && { scopeId: nic.index }),
        interfaceName: nic.name,
        periodMs: Math.max(1, heartbeatMs / 2),
        onRefused: () => onRefused(address),
      });
    } catch (error) {
      // Only an accelerator: without it the leader timeout still applies.
      this.#options.log.debug({ err: error, leader: address }, 'cannot probe the leader');
    }
  }

  close(): void {
    this.#probe?.close();
    this.#probe = undefined;
  }
}
