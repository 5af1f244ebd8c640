// What a refused probe of the leader says (see Election.leaderUnreachable): its host answered a
// probe to the leader's port with ICMP port unreachable. Unauthenticated, so a hint only: it
// stands until the leader is heard well after the refusal, and then that leader's refusals say
// nothing any more (a firewall that rejects unicast to the port, say).
import { instanceKey } from './priority';
import type { NodeIdentity } from './types';

export class ProbeHint {
  readonly #heartbeatMs: number;
  /** A probe of this leader instance was refused at `at` and it has not been heard since. */
  #refused: { readonly leader: string; readonly at: number } | undefined;
  /** The leader instance whose host refused a probe while it was alive. */
  #distrusted: string | undefined;

  constructor(heartbeatMs: number) {
    this.#heartbeatMs = heartbeatMs;
  }

  /** True when `leader`'s host refused a probe while the leader lived: its refusals are ignored. */
  distrusts(leader: NodeIdentity | undefined): boolean {
    // Asked on every packet: build the key only when some leader is distrusted.
    return this.#distrusted !== undefined && leader !== undefined && this.#distrusted === instanceKey(leader);
  }

  /** A probe of `leader` was refused at `at`; a refusal already standing for it keeps its time. */
  noteRefused(leader: NodeIdentity, at: number): void {
    const key = instanceKey(leader);
    if (this.#refused?.leader !== key) this.#refused = { leader: key, at };
  }

  /**
   * Our leader is heard: a refusal well before this says its host rejects probes while it lives,
   * and the result is true (that leader is distrusted from now on). Heard sooner, it may be a
   * heartbeat that was in flight when the process died: the hint stands, and the next heartbeat
   * (a dead leader sends none) decides.
   */
  noteHeard(leader: NodeIdentity, heardAt: number): boolean {
    const refused = this.#refused;
    if (!refused) return false;
    if (refused.leader !== instanceKey(leader)) {
      this.#refused = undefined;
      return false;
    }
    if (heardAt - refused.at < this.#heartbeatMs / 2) return false;
    this.#refused = undefined;
    this.#distrusted = refused.leader;
    return true;
  }
}
