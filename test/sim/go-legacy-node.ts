// A model of the Go MultiBully node, flaws included, written from
// /work/shared/reference/go-multibully-behaviour.md, so the simulator can check that our
// go-compatible mode interoperates with it. Same driving interface as Election.
import { comparePriority } from '../../lib/core';
import type { CoreEvent, Message, MessageType, NodeIdentity, Ready, Role, StateReason } from '../../lib/core/types';

const HEARTBEAT_MS = 250;
const LEADER_TIMEOUT_MS = 500;
const ELECTION_MS = 2000;
/** The Go library gives no reasons; the model's events say 'go' (outside the core's StateReason union). */
const GO_REASON = 'go' as string as StateReason;

export class GoLegacyNode {
  readonly #self: NodeIdentity;
  #role: Role = 'idle';
  #leader: NodeIdentity | undefined;
  #electionAt: number | undefined;
  #heartbeatAt: number | undefined;
  #leaderTimeoutAt: number | undefined;
  #messages: Message[] = [];
  #events: CoreEvent[] = [];

  constructor(self: NodeIdentity) {
    this.#self = { id: self.id, address: self.address, nonce: 0n };
  }

  get role(): Role {
    return this.#role;
  }

  get leader(): NodeIdentity | undefined {
    return this.#leader;
  }

  get term(): bigint {
    return 0n;
  }

  start(now: number): Ready {
    this.#startElection(now);
    return this.#flush();
  }

  stop(): Ready {
    this.#role = 'stopped';
    this.#electionAt = this.#heartbeatAt = this.#leaderTimeoutAt = undefined;
    return this.#flush();
  }

  nextDeadline(): number | undefined {
    const times = [this.#electionAt, this.#heartbeatAt, this.#leaderTimeoutAt].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  tick(now: number): Ready {
    if (this.#electionAt !== undefined && this.#electionAt <= now) {
      this.#electionAt = undefined;
      this.#set('leader', this.#self);
      this.#events.push({ type: 'leader', term: 0n });
      this.#send('coordinator');
      this.#heartbeatAt = now + HEARTBEAT_MS;
    }
    if (this.#heartbeatAt !== undefined && this.#heartbeatAt <= now) {
      this.#send('coordinator');
      this.#heartbeatAt = now + HEARTBEAT_MS;
    }
    if (this.#leaderTimeoutAt !== undefined && this.#leaderTimeoutAt <= now) {
      this.#leaderTimeoutAt = undefined;
      this.#set('candidate', undefined);
      this.#startElection(now);
    }
    return this.#flush();
  }

  receive(message: Message, now: number): Ready {
    if (this.#role === 'stopped' || message.from.id === this.#self.id) return this.#flush(); // own packets: by pid alone
    const higher = comparePriority(message.from, this.#self) > 0;
    switch (message.type) {
      case 'election':
        if (higher) {
          this.#heartbeatAt = undefined; // stops its heartbeat, nothing else
        } else {
          this.#send('ok');
          this.#startElection(now); // even a sitting leader: the Go flap
        }
        break;
      case 'ok':
        if (higher) {
          this.#electionAt = undefined; // waits; nothing re-arms a timer (the Go stall)
          if (this.#role === 'candidate') this.#set('waiting', undefined);
        }
        break;
      case 'coordinator':
        if (higher) {
          const changed = this.#leader?.id !== message.from.id || this.#leader.address !== message.from.address;
          this.#heartbeatAt = undefined;
          this.#set('follower', message.from);
          if (changed) this.#events.push({ type: 'follower', leader: message.from, term: 0n });
          this.#leaderTimeoutAt = now + LEADER_TIMEOUT_MS;
        } else {
          this.#startElection(now);
        }
        break;
      case 'resign':
        break; // Go has no RESIGN
    }
    return this.#flush();
  }

  #startElection(now: number): void {
    this.#heartbeatAt = undefined;
    if (this.#role === 'idle') this.#set('candidate', undefined);
    this.#send('election');
    this.#electionAt = now + ELECTION_MS;
  }

  #set(role: Role, leader: NodeIdentity | undefined): void {
    if (role !== this.#role) this.#events.push({ type: 'state', from: this.#role, to: role, reason: GO_REASON, term: 0n });
    this.#role = role;
    this.#leader = leader ?? (role === 'follower' ? this.#leader : role === 'leader' ? this.#self : undefined);
  }

  #send(type: MessageType): void {
    this.#messages.push({ type, term: 0n, from: this.#self, seq: 0n, flags: 0 });
  }

  #flush(): Ready {
    const ready = { messages: this.#messages, events: this.#events };
    this.#messages = [];
    this.#events = [];
    return ready;
  }
}
