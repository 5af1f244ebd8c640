// The Bully election as a pure, deterministic state machine (etcd-raft style): messages and
// time go in, messages to multicast and events come out. No I/O, no clock, no Math.random.
//
// Design note.
// - Why skew: when a leader dies every follower notices within a few ms of the others. The Go
//   code then lets everyone shout ELECTION, and every ELECTION from a lower node makes each
//   higher node answer OK and start its own election: a storm. Like VRRP's Skew_Time, a
//   follower here waits rank × skewStepMs (rank = how many known nodes outrank it) before it
//   speaks, and stays quiet if a higher node speaks first. The highest survivor usually speaks
//   alone: a failover costs one ELECTION and one COORDINATOR, O(1) and at worst O(N) messages.
//   The top-ranked survivor (rank 0) has no skew at all: nobody it knows of should speak first.
// - Why a short OK wait on failover: after a leader timeout or RESIGN every live node noticed
//   within a few ms, and every higher one it knows of has a shorter skew and speaks first. A
//   candidate that sat out its skew without hearing one is almost surely the highest survivor,
//   so it waits only failoverOkWaitMs (round trip + jitter) instead of okWaitMs, like VRRP's
//   backup that claims right after Master_Down_Interval. A higher node it did not know of, or
//   whose OK came late, still wins: it sees a lower leader and preempts it with a higher term.
//   A cold start keeps the full okWaitMs: there the nodes do not know each other yet.
// - Why terms: a term is a fencing token. A new leader takes a term above every term it has
//   heard, so the terms of a node's successive leaders strictly increase and a stale leader
//   (restarted without its term, or back from a partition) cannot pull followers back. A
//   leader that hears an equal or higher term from another node raises its own above it, so
//   two leaders that meet always resolve in one exchange: the lower one steps down. Terms compare
//   as serial numbers (term.ts), so no term, not even a forged 2^64 − 1, can exhaust them.
// - Soft state: nothing a single packet teaches a node may outlast it by more than the detection
//   bound. A follower does not stay with a leader that a newer-term leader contradicts unless that
//   leader answers with a newer term itself within a heartbeat (a live leader always does; a dead
//   one whose traffic is replayed cannot); ELECTION/OK from a higher node whose term is older than
//   the current leader's do not hold up a round (they are replays, or a node that just started).
// - A sitting leader answers every ELECTION with COORDINATOR at once (never re-runs an
//   election), so joins do not flap. One ELECTION round is in flight per node at a time; OK and
//   the leader's answers are coalesced to one per answer window, so one multicast answers all.
// - Go mode: terms are always 0, no RESIGN, ELECTION at most every 2 s (a Go node restarts its
//   2 s election on each one), a sitting leader answers a lower ELECTION with OK (which cancels
//   a Go node's election timer) and COORDINATOR, and a starting node listens before it speaks.
import { codedError } from '../errors';
import { KnownNodes } from './known-nodes';
import { checkMessage } from './message';
import { resolveElectionOptions, type ElectionOptions, type ResolvedElectionOptions } from './options';
import { compareInstance, comparePriority, instanceKey, sameInstance, sameNode } from './priority';
import { nextTerm, termNewer } from './term';
import type {
  CandidacyReason, CoreEvent, FaultReason, FollowerReason, LeaderReason, Message, MessageType, NodeIdentity, Ready,
  RecoveryReason, Role, StateReason, TermReason, WaitingReason,
} from './types';

export interface ElectionCounters {
  /** ELECTION rounds this node started (ELECTION messages sent). */
  elections: number;
  messagesSent: number;
  /** Messages from other nodes handed to receive(). */
  messagesReceived: number;
  /** Own looped-back messages ignored. */
  ownIgnored: number;
  /** COORDINATOR messages ignored because their term was not newer than our leader's. */
  staleIgnored: number;
  /** Messages from another start of our own (id, address). */
  conflicts: number;
  /** ELECTION/OK from a higher node carrying a term older than the current leader's. */
  staleHigherIgnored: number;
  /** Pending OKs dropped because a higher node spoke first. */
  okSuppressed: number;
  /** leaderUnreachable() hints that shortened the leader timeout. */
  leaderUnreachable: number;
  /** Leaders heard alive well after their host refused a probe (their refusals are ignored since). */
  probeContradicted: number;
}

type TimerName =
  | 'send-election' // candidate: skew (or listen, or Go gap) is over, send ELECTION
  | 'ok-wait' // candidate: nobody higher answered, become leader
  | 'coordinator-wait' // waiting: the higher node never announced, restart
  | 'heartbeat' // leader: send COORDINATOR
  | 'leader-timeout' // follower: the leader went silent
  | 'challenger' // follower: a newer-term leader was not out-termed by ours in time
  | 'send-ok'; // a coalesced OK is due

/** A message from another node as the role steps see it: term 0n in go mode, higher = it outranks us. */
type Heard = Pick<Message, 'type' | 'from' | 'term' | 'metadata'> & { readonly higher: boolean };

const EMPTY_READY: Ready = Object.freeze({ messages: Object.freeze([]), events: Object.freeze([]) });
/** A follower whose leader spoke within this many heartbeats leaves a joiner to the leader. */
const FRESH_LEADER_HEARTBEATS = 1.5;
/**
 * A follower gives up after (misses + this) heartbeats: the margin absorbs a leader period that
 * runs slightly long, so misses − 1 lost heartbeats in a row never cause a failover and misses do.
 */
const DETECTION_MARGIN_HEARTBEATS = 0.5;
/**
 * The follower next in line (no known node above it but the leader) probes the leader and tells
 * joiners so. One, not two: joiners then learn exactly one node above them from its OK, and a node
 * that knows one stays quiet. A stale entry (a follower above that died silently) stops the
 * probing until the next leader change: failover then waits out the leader timeout, as without it.
 */
const PROBING_RANKS = 1;
/** A duplicate identity is reported again at most this often (in heartbeats) while it lasts. */
const CONFLICT_REPORT_HEARTBEATS = 20;
const MAX_TRACKED_CONFLICTS = 64;
/** #beginCandidacy flag: a known leader went away, the skew ranked us, wait failoverOkWaitMs for OK. */
const FAILOVER = true;
/** #sendOk flag: a prober tells a joiner it is next in line; not delayed, not suppressed by the leader's answer. */
const NEXT_IN_LINE = true;
/** Upper bound on timer firings per tick (each firing re-arms relative to now). */
const MAX_FIRINGS_PER_TICK = 64;

export class Election {
  readonly #options: ResolvedElectionOptions;
  readonly #self: NodeIdentity;
  readonly #go: boolean;
  /** Coalescing window for OK and for a leader's immediate answers. */
  readonly #answerWindowMs: number;
  readonly #knownNodes = new KnownNodes();
  readonly #timers = new Map<TimerName, number>();
  /** When each other instance of our own (id, address) was last reported. */
  readonly #conflictReportedAt = new Map<bigint, number>();
  readonly #counters: ElectionCounters = {
    elections: 0, messagesSent: 0, messagesReceived: 0, ownIgnored: 0, staleIgnored: 0, conflicts: 0, staleHigherIgnored: 0, okSuppressed: 0,
    leaderUnreachable: 0, probeContradicted: 0,
  };

  #role: Role = 'idle';
  /** Newest term heard (v1); a leader's own term while leading. */
  #term = 0n;
  /** False until a term was heard or taken: a fresh node adopts the first term it hears as is. */
  #termKnown = false;
  /** The leader followed or held now, if any. */
  #leader: NodeIdentity | undefined;
  #leaderMetadata: Uint8Array | undefined;
  #leaderHeardAt = -Infinity;
  /**
   * Fencing: the leader with the newest term this node accepted (followed, held, or outranked and
   * preempted), and that term. A leader's COORDINATOR needs a newer term, or this term from this
   * very instance.
   */
  #fence: { readonly leader: NodeIdentity; readonly term: bigint } | undefined;
  /** Follower: a newer-term leader that our (higher) leader has not yet out-termed. */
  #challenger: {
    readonly leader: NodeIdentity;
    readonly term: bigint;
    readonly metadata: Uint8Array | undefined;
    readonly heardAt: number;
  } | undefined;
  /** Last ELECTION or OK heard from a node that outranks us (it is alive and electing). */
  #higherActivityAt = -Infinity;
  /** Higher instances that told us to wait during this round; forgotten if they never announce. */
  #waitingOn = new Map<string, NodeIdentity>();
  /** This round's OK wait: failoverOkWaitMs after the loss of a known leader, else okWaitMs. */
  #roundOkWaitMs = 0;
  /** The last leader followed (kept through rounds, unlike #leader): a lower successor means a failover. */
  #lastFollowed: NodeIdentity | undefined;
  /** A probe of this leader instance was refused at `at` and it has not been heard since. */
  #probeHint: { readonly leader: string; readonly at: number } | undefined;
  /** The leader instance whose host refused a probe while it was alive. */
  #probeDistrusted: string | undefined;
  /** The pending OK tells a joiner who is next in line (see #stepFollower): the leader's answer does not cancel it. */
  #okNextInLine = false;
  #lastElectionSentAt = -Infinity;
  #lastOkSentAt = -Infinity;
  #lastCoordinatorSentAt = -Infinity;
  #seq = 0n;
  #now = -Infinity;
  #messages: Message[] = [];
  #events: CoreEvent[] = [];

  constructor(options: ElectionOptions) {
    this.#options = resolveElectionOptions(options);
    const { self, mode } = this.#options;
    this.#go = mode === 'go';
    // In go mode the wire carries no nonce: own packets come back with nonce 0.
    this.#self = this.#go ? { id: self.id, address: self.address, nonce: 0n } : self;
    this.#answerWindowMs = Math.max(1, Math.min(this.#options.heartbeatMs, this.#options.okWaitMs) / 4);
  }

  get role(): Role {
    return this.#role;
  }

  /** Leader's term when following or leading, else the highest term heard (always 0n in go mode). */
  get term(): bigint {
    return this.#term;
  }

  /** The current leader (ourselves when leading), undefined when there is none. */
  get leader(): NodeIdentity | undefined {
    return this.#leader;
  }

  get leaderMetadata(): Uint8Array | undefined {
    return this.#leaderMetadata;
  }

  get counters(): Readonly<ElectionCounters> {
    return { ...this.#counters };
  }

  get options(): ResolvedElectionOptions {
    return this.#options;
  }

  /**
   * The leader this node should probe for a dead process (see leaderUnreachable), or undefined:
   * the v1 follower next in line below the leader does (as far as it knows), and not a leader
   * whose host refused a probe while the leader was alive (see leaderRefusesProbes).
   */
  get probeTarget(): NodeIdentity | undefined {
    return this.#nextInLine() && !this.leaderRefusesProbes ? this.#leader : undefined;
  }

  /**
   * The current leader was heard well after its host refused our probe (a firewall that rejects
   * unicast to the port, say): its refusals say nothing, and it is not probed any more.
   */
  get leaderRefusesProbes(): boolean {
    return this.#leader !== undefined && this.#probeDistrusted === instanceKey(this.#leader);
  }

  /**
   * Begins as a candidate. `reason` says why this round starts: 'start', or a RecoveryReason for
   * the new identity of a node that was in 'fault' (its address changed while it was), which
   * leaves 'fault' as recover() does. Calling it twice is a programming error.
   */
  start(now: number, reason: 'start' | RecoveryReason = 'start'): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    if (this.#role !== 'idle') {
      throw codedError('ERR_ELECTION_STARTED', 'election already started');
    }
    this.#enter(now);
    if (reason !== 'start') this.#role = 'fault';
    this.#beginCandidacy(reason, this.#options.startListenMs);
    return this.#flush();
  }

  /**
   * Feeds one decoded message from the network. Before start() and after stop() it is ignored;
   * in 'fault' it is only counted. The node's own messages (looped back) are counted and dropped here.
   */
  receive(message: Message, now: number): Ready {
    checkMessage(message, { bigints: true });
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#enter(now);
    if (this.#isOwn(message.from)) {
      this.#counters.ownIgnored++;
      return EMPTY_READY;
    }
    this.#counters.messagesReceived++;
    if (this.#role === 'fault') return EMPTY_READY;
    this.#handle(message);
    return this.#flush();
  }

  /**
   * Fires every timer due at or before now. `unheard`: the driver could send nothing since this
   * round's ELECTION, that one included, so nobody heard the round: a claim of office due now
   * would be baseless, and the node faults ('send-failing') instead.
   */
  tick(now: number, { unheard = false }: { readonly unheard?: boolean } = {}): Ready {
    if (this.#role === 'idle' || this.#role === 'stopped' || this.#role === 'fault') return EMPTY_READY;
    this.#enter(now);
    for (let i = 0; i < MAX_FIRINGS_PER_TICK; i++) {
      const due = this.#dueTimer();
      if (!due) break;
      this.#timers.delete(due);
      if (due === 'ok-wait' && unheard) {
        this.#halt('fault', 'send-failing');
        break;
      }
      this.#fire(due);
    }
    return this.#flush();
  }

  /** The one absolute time (ms) at which the driver should call tick(), if any. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const at of this.#timers.values()) if (earliest === undefined || at < earliest) earliest = at;
    return earliest;
  }

  /**
   * A hint that the leader's process is gone while its host is up: its host answered a probe to
   * its port with ICMP port unreachable. Unauthenticated, so it never acts by itself: the leader
   * must then be heard within one heartbeat (plus the usual margin) of when it was last heard,
   * instead of within `misses`. A live leader's next heartbeat restores the full bound, so a forged
   * or stray hint lasts at most one heartbeat and moves nothing unless that heartbeat is lost too.
   */
  leaderUnreachable(now: number, address: string): Ready {
    const leader = this.#leader;
    if (this.#role !== 'follower' || this.#go || !leader || leader.address !== address || this.leaderRefusesProbes) return EMPTY_READY;
    this.#enter(now);
    this.#counters.leaderUnreachable++;
    const key = instanceKey(leader);
    if (this.#probeHint?.leader !== key) this.#probeHint = { leader: key, at: this.#now };
    const deadline = this.#leaderHeardAt + (1 + DETECTION_MARGIN_HEARTBEATS) * this.#options.heartbeatMs;
    const current = this.#timers.get('leader-timeout');
    if (current === undefined || deadline < current) this.#timers.set('leader-timeout', deadline);
    return this.#flush();
  }

  /**
   * The node cannot take part (its NIC is down, gone, without an address, or cannot send): it
   * leaves office or any round at once and sends nothing. Terms and fencing are kept.
   */
  fault(now: number, reason: FaultReason): Ready {
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#enter(now);
    if (this.#role === 'fault') return EMPTY_READY;
    this.#halt('fault', reason);
    return this.#flush();
  }

  /** Leaves 'fault': a round as at start-up (the cluster may have changed meanwhile). */
  recover(now: number, reason: RecoveryReason = 'recovered'): Ready {
    if (this.#role !== 'fault') return EMPTY_READY;
    this.#enter(now);
    this.#higherActivityAt = -Infinity;
    this.#beginCandidacy(reason, this.#options.startListenMs);
    return this.#flush();
  }

  /** Leaves the election: RESIGN when leading (v1), then role 'stopped' for good. */
  stop(now: number): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    this.#enter(now);
    if (this.#role === 'leader' && !this.#go) {
      // Twice: a follower that misses the only RESIGN waits out a whole detection bound. The
      // copies carry their own seq, so the replay filter keeps both; a second one is a no-op.
      this.#send('resign');
      this.#send('resign');
    }
    this.#halt('stopped', 'stopped');
    return this.#flush();
  }

  // ---- input: one step function per role (etcd raft style) -----------------------------------

  /** Our own packet, looped back (go mode has no nonce: our (id, address) is us). */
  #isOwn(from: NodeIdentity): boolean {
    return sameNode(from, this.#self) && (this.#go || from.nonce === this.#self.nonce);
  }

  #handle(message: Message): void {
    const from = message.from;
    const term = this.#go ? 0n : message.term;
    // Another start of our (id, address). Its packets still count, ordered by nonce, so that
    // exactly one of the two leads. Traffic older than our leader's term is a replay of an
    // earlier start of ours, not a live twin: it is not reported.
    if (sameNode(from, this.#self) && !this.#isStale(term)) this.#reportConflict(from);
    const higher = compareInstance(from, this.#self) > 0;
    if (higher && message.type !== 'resign' && !this.#isStale(term)) this.#suppressOk(from);
    if (message.type === 'resign') {
      this.#knownNodes.forget(from);
    } else if (!this.#isStale(term)) {
      // Traffic from before the current leader (or replayed) says nothing about who is alive.
      this.#knownNodes.note(from);
    }
    const heard: Heard = { type: message.type, from, term, higher, metadata: message.metadata };
    if (this.#role === 'leader') return this.#go ? this.#stepGoLeader(heard) : this.#stepLeader(heard);
    this.#learnTerm(term);
    if (this.#role === 'follower') return this.#stepFollower(heard);
    return this.#stepCandidate(heard);
  }

  /** A v1 leader answers and fences; it leaves office only for a leader with a newer term. */
  #stepLeader({ type, from, term, higher, metadata }: Heard): void {
    switch (type) {
      case 'election':
        // A candidate knowing our term (or more) means someone doubted us: fence with a new term.
        if (!termNewer(this.#term, term)) this.#raiseTerm(nextTerm(term), 'election-at-our-term');
        return this.#answerAsLeader();
      case 'ok':
      case 'resign':
        if (termNewer(term, this.#term)) this.#raiseTerm(nextTerm(term), 'newer-term-heard');
        return;
      case 'coordinator':
        if (higher && termNewer(term, this.#term)) return this.#follow(from, term, metadata, 'higher-leader');
        // A leader elected while we could not be heard (paused, cut off): without preemption
        // the newer leader keeps office.
        if (!higher && termNewer(term, this.#term) && !this.#options.preempt) {
          return this.#follow(from, term, metadata, 'newer-leader');
        }
        // Two leaders: the lower one must learn it is lower and the higher one must out-term it.
        if (!higher && !termNewer(this.#term, term)) this.#raiseTerm(nextTerm(term), 'lower-leader');
        return this.#answerAsLeader();
    }
  }

  /** A go-mode leader has no terms: it yields to a higher node and answers everyone else. */
  #stepGoLeader({ type, from, term, higher, metadata }: Heard): void {
    if (type === 'election' && higher) {
      // A Go node restarts its 2 s election on every COORDINATOR from a lower node, so answering
      // would lock it out forever: yield as a Go leader does, and resume if it never announces.
      this.#leader = undefined;
      this.#leaderMetadata = undefined;
      this.#noteHigherActivity(from);
      return this.#enterWaiting('higher-node-electing');
    }
    if (type === 'election') this.#sendOk(); // cancels a Go candidate's election timer
    if (type === 'coordinator' && higher) return this.#follow(from, term, metadata, 'higher-leader');
    if (type === 'election' || type === 'coordinator') this.#answerAsLeader();
  }

  /** A follower keeps its leader while it is heard and fenced, and answers lower candidates. */
  #stepFollower({ type, from, term, higher, metadata }: Heard): void {
    const leader = this.#leader;
    switch (type) {
      case 'election':
        if (higher) {
          if (!this.#staleHigher(term)) this.#noteHigherActivity(from);
          return;
        }
        // Our leader answers a joiner. Go nodes instead expect OK from every higher node: without
        // it their 2 s election timer runs out and they claim.
        if (this.#leaderIsFresh() && !this.#go) {
          // Except that the nodes next in line (the probers) say so: a joiner does not hear the
          // silent followers that started before it, and one that thinks itself next in line
          // would probe, and after a failover claim in the same few ms as the real successor.
          if (this.#nextInLine()) this.#sendOk(NEXT_IN_LINE);
          return;
        }
        return this.#sendOk();
      case 'ok':
        // With a fresh leader a higher follower's OK answers a joiner or says it is next in line:
        // no election is under way. Our leader's own (sent just before it took office) neither.
        if (higher && !this.#staleHigher(term) && !this.#leaderIsFresh() && !(leader && sameInstance(leader, from))) {
          this.#noteHigherActivity(from);
        }
        return;
      case 'coordinator':
        if (leader && sameInstance(leader, from)) {
          if (this.#isStale(term)) {
            this.#counters.staleIgnored++;
            return;
          }
          // Our leader out-termed a challenger (or kept its term while none is pending).
          const challenger = this.#challenger;
          if (challenger && termNewer(term, challenger.term)) this.#dropChallenger();
          return this.#follow(from, term, metadata, 'coordinator');
        }
        if (!this.#acceptableTerm(from, term)) {
          this.#counters.staleIgnored++;
          return;
        }
        if (leader && this.#leaderIsFresh() && compareInstance(leader, from) > 0) {
          // A fresh leader outranking the newcomer stays if it is live: it hears the newcomer's
          // newer term and answers above it at once. If it does not within a heartbeat, it is gone
          // (or its traffic is being replayed) and the newer term wins.
          return this.#challenge(from, term, metadata);
        }
        return this.#adoptLeader(from, term, metadata, higher);
      case 'resign':
        if (leader && sameInstance(leader, from)) return this.#beginCandidacy('leader-resigned', this.#skewMs(), FAILOVER);
        if (this.#challenger && sameInstance(this.#challenger.leader, from)) this.#dropChallenger();
        this.#waitingOn.delete(instanceKey(from));
        return;
    }
  }

  /** A candidate (or a candidate waiting for a higher node) has no leader and no challenger. */
  #stepCandidate({ type, from, term, higher, metadata }: Heard): void {
    switch (type) {
      case 'election':
      case 'ok':
        if (!higher) {
          if (type === 'election') this.#sendOk();
          return;
        }
        if (this.#staleHigher(term)) return;
        this.#noteHigherActivity(from);
        // Waiting already: this extends the wait.
        return this.#enterWaiting(type === 'election' ? 'higher-node-electing' : 'ok-from-higher-node');
      case 'coordinator':
        if (!this.#acceptableTerm(from, term)) {
          this.#counters.staleIgnored++;
          return;
        }
        // We outrank this leader: keep our round. Its term is fenced, so its own later heartbeats
        // cannot pull us back.
        if (this.#options.preempt && !higher) return this.#raiseFence(from, term);
        return this.#follow(from, term, metadata, 'coordinator');
      case 'resign':
        // Waiting only on the instance that just left: no COORDINATOR will come, restart now.
        if (this.#waitingOn.delete(instanceKey(from)) && this.#role === 'waiting' && this.#waitingOn.size === 0) {
          this.#beginCandidacy('higher-node-resigned', this.#skewMs(), FAILOVER);
        }
        return;
    }
  }

  /** Follower: a leader with an acceptable term. Follow it, or take over from it if we outrank it. */
  #adoptLeader(from: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, higher: boolean, heardAt = this.#now): void {
    if (this.#options.preempt && !higher) {
      // Its term is fenced, so its own later heartbeats cannot pull us back.
      this.#raiseFence(from, term);
      return this.#beginCandidacy('lower-leader', this.#skewMs());
    }
    this.#follow(from, term, metadata, 'new-leader', heardAt);
  }

  // ---- timers --------------------------------------------------------------------------------

  #fire(timer: TimerName): void {
    switch (timer) {
      case 'send-election':
        return this.#sendElection();
      case 'ok-wait':
        return this.#becomeLeader('no-higher-node-answered');
      case 'coordinator-wait':
        // The higher nodes that told us to wait never announced: consider them gone.
        for (const node of this.#waitingOn.values()) this.#knownNodes.forget(node);
        return this.#beginCandidacy('coordinator-timeout', this.#skewMs());
      case 'heartbeat':
        return this.#sendCoordinator();
      case 'leader-timeout':
        return this.#suspectLeader();
      case 'challenger': {
        const challenger = this.#challenger;
        this.#challenger = undefined;
        if (!challenger || this.#role !== 'follower' || !this.#acceptableTerm(challenger.leader, challenger.term)) return;
        // Its silence is counted from when it was last heard, not from now.
        const higher = compareInstance(challenger.leader, this.#self) > 0;
        return this.#adoptLeader(challenger.leader, challenger.term, challenger.metadata, higher, challenger.heardAt);
      }
      case 'send-ok':
        this.#lastOkSentAt = this.#now;
        this.#okNextInLine = false;
        return this.#send('ok');
    }
  }

  #dueTimer(): TimerName | undefined {
    let due: TimerName | undefined;
    let dueAt = Infinity;
    for (const [name, at] of this.#timers) {
      if (at <= this.#now && at < dueAt) {
        due = name;
        dueAt = at;
      }
    }
    return due;
  }

  #clearRoleTimers(): void {
    for (const name of this.#timers.keys()) if (name !== 'send-ok') this.#timers.delete(name);
    this.#challenger = undefined;
  }

  // ---- role changes --------------------------------------------------------------------------

  #beginCandidacy(reason: CandidacyReason, delayMs: number, failover = false): void {
    this.#leader = undefined;
    this.#leaderMetadata = undefined;
    this.#waitingOn.clear();
    this.#clearRoleTimers(); // and the challenger
    this.#roundOkWaitMs = failover ? this.#options.failoverOkWaitMs : this.#options.okWaitMs; // equal in go mode
    this.#transition('candidate', reason);
    if (delayMs > 0) {
      this.#timers.set('send-election', this.#now + delayMs);
    } else {
      this.#sendElection();
    }
  }

  #sendElection(): void {
    const earliest = this.#lastElectionSentAt + this.#options.minElectionGapMs;
    if (this.#now < earliest) {
      this.#timers.set('send-election', earliest);
      return;
    }
    this.#lastElectionSentAt = this.#now;
    this.#counters.elections++;
    this.#send('election');
    // Reaching here still a candidate means no higher node spoke during the skew.
    this.#timers.set('ok-wait', this.#now + this.#roundOkWaitMs);
  }

  #enterWaiting(reason: WaitingReason, since = this.#now): void {
    this.#clearRoleTimers();
    this.#timers.set('coordinator-wait', since + this.#options.coordinatorWaitMs);
    if (this.#role !== 'waiting') this.#transition('waiting', reason);
  }

  #becomeLeader(reason: LeaderReason): void {
    if (!this.#go) {
      // Newer than every term heard: #term is the newest seen (fenced leaders included).
      this.#term = nextTerm(this.#term);
      this.#termKnown = true;
    }
    this.#leader = this.#self;
    this.#leaderMetadata = this.#options.metadata.length > 0 ? this.#options.metadata : undefined;
    this.#fence = { leader: this.#self, term: this.#term };
    if (!this.#go) {
      // A leader's COORDINATOR answers everyone: an OK still pending would make followers think
      // a round is under way.
      this.#timers.delete('send-ok');
      this.#okNextInLine = false;
    }
    this.#waitingOn.clear();
    this.#clearRoleTimers();
    this.#transition('leader', reason);
    this.#events.push({ type: 'leader', term: this.#term });
    this.#sendCoordinator();
  }

  /** A sitting leader moves to a newer term; it stays in office, so this is not a 'leader' event. */
  #raiseTerm(term: bigint, reason: TermReason): void {
    this.#term = term;
    this.#termKnown = true;
    this.#fence = { leader: this.#self, term };
    this.#events.push({ type: 'term', term, reason });
  }

  #follow(leader: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, reason: FollowerReason, heardAt = this.#now): void {
    const previous = this.#leader;
    const changed = !previous || !sameInstance(previous, leader) || term !== this.#fence?.term || this.#role !== 'follower';
    if (previous !== undefined && !sameInstance(previous, leader)) {
      this.#dropChallenger();
      // A lower node took office after ours: the cluster gave ours up (its successor probed it, or
      // timed out first). Forget it like a suspected leader, or it would lengthen our skew for good.
      if (!sameNode(previous, leader) && comparePriority(previous, leader) > 0) this.#knownNodes.forget(previous);
    }
    this.#noteLeaderHeard(leader, heardAt);
    this.#leader = leader;
    this.#leaderMetadata = metadata;
    this.#leaderHeardAt = heardAt;
    this.#fence = { leader, term };
    // v1: the leader's term, even when it is older than a term merely heard (e.g. from a forger):
    // the next election still takes a term newer than both. Go mode has no terms (#term stays 0n).
    this.#learnTerm(term);
    if (this.#role !== 'follower') {
      // The round is settled: earlier ELECTION/OK traffic from higher nodes must not make a
      // later leader failure wait for a COORDINATOR that this round already delivered.
      this.#higherActivityAt = -Infinity;
      this.#waitingOn.clear();
      this.#clearRoleTimers();
      this.#transition('follower', reason);
    }
    this.#timers.set('leader-timeout', heardAt + this.#detectionMs());
    if (changed) {
      this.#events.push({ type: 'follower', leader, term, ...(metadata !== undefined && { metadata }) });
    }
    // After a failover the followers only know the new leader and whoever they heard on the way:
    // many may think themselves next in line. Each says so once, at a random moment of the next
    // heartbeat; a higher one's OK cancels a lower one's, so about ln N are sent.
    const lastFollowed = this.#lastFollowed;
    this.#lastFollowed = leader;
    if (lastFollowed && !sameNode(lastFollowed, leader) && comparePriority(lastFollowed, leader) > 0 && this.#nextInLine()) {
      this.#sendOk(NEXT_IN_LINE, this.#options.random() * this.#options.heartbeatMs);
    }
  }

  /**
   * Our leader is heard: a refused probe well before this says its host rejects probes while it
   * lives. Heard sooner, it may be a heartbeat that was in flight when the process died: the hint
   * stands, and the next heartbeat (a dead leader sends none) decides.
   */
  #noteLeaderHeard(leader: NodeIdentity, heardAt: number): void {
    const hint = this.#probeHint;
    if (!hint) return;
    if (hint.leader !== instanceKey(leader)) {
      this.#probeHint = undefined;
      return;
    }
    if (heardAt - hint.at < this.#options.heartbeatMs / 2) return;
    this.#probeHint = undefined;
    this.#probeDistrusted = hint.leader;
    this.#counters.probeContradicted++;
  }

  /** A v1 follower that knows no node between itself and its leader. */
  #nextInLine(): boolean {
    const leader = this.#leader;
    if (this.#go || this.#role !== 'follower' || !leader) return false;
    return this.#knownNodes.rankOf(this.#self, PROBING_RANKS, leader) < PROBING_RANKS;
  }

  #suspectLeader(): void {
    if (this.#leader) this.#knownNodes.forget(this.#leader);
    this.#leader = undefined;
    this.#leaderMetadata = undefined;
    // A higher node is already electing: wait for its COORDINATOR instead of speaking.
    if (this.#now - this.#higherActivityAt < this.#options.coordinatorWaitMs) {
      this.#enterWaiting('leader-timeout', this.#higherActivityAt);
      return;
    }
    this.#beginCandidacy('leader-timeout', this.#skewMs(), FAILOVER);
  }

  /** Out of office and out of any round, with no timers: 'fault' or 'stopped'. */
  #halt(to: 'fault' | 'stopped', reason: FaultReason | 'stopped'): void {
    this.#timers.clear();
    this.#okNextInLine = false;
    this.#leader = undefined;
    this.#leaderMetadata = undefined;
    this.#challenger = undefined;
    this.#waitingOn.clear();
    this.#transition(to, reason);
  }

  #transition(to: Role, reason: StateReason): void {
    const from = this.#role;
    this.#role = to;
    this.#events.push({ type: 'state', from, to, reason, term: this.#term });
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A higher node is alive and electing: a round waits for its COORDINATOR. */
  #noteHigherActivity(from: NodeIdentity): void {
    this.#higherActivityAt = this.#now;
    this.#waitingOn.set(instanceKey(from), from);
  }

  #learnTerm(term: bigint): void {
    if (this.#go) return;
    if (!this.#termKnown || termNewer(term, this.#term)) this.#term = term;
    this.#termKnown = true;
  }

  /** A term older than the fenced leader's: from before the current leader (or a replay of it). */
  #isStale(term: bigint): boolean {
    return !this.#go && this.#fence !== undefined && termNewer(this.#fence.term, term);
  }

  /** ELECTION/OK of a higher node that has not heard our leader: it must not hold up a round. */
  #staleHigher(term: bigint): boolean {
    if (!this.#isStale(term)) return false;
    this.#counters.staleHigherIgnored++;
    return true;
  }

  /** Fencing: a leader needs a term newer than the fenced one, or the fenced term from the fenced instance. */
  #acceptableTerm(from: NodeIdentity, term: bigint): boolean {
    if (this.#go || !this.#fence) return true;
    if (sameInstance(this.#fence.leader, from)) return !termNewer(this.#fence.term, term);
    return termNewer(term, this.#fence.term);
  }

  #raiseFence(leader: NodeIdentity, term: bigint): void {
    if (this.#go) return;
    if (!this.#fence || termNewer(term, this.#fence.term)) this.#fence = { leader, term };
  }

  #challenge(leader: NodeIdentity, term: bigint, metadata: Uint8Array | undefined): void {
    const pending = this.#challenger;
    if (pending && !termNewer(term, pending.term) && !sameInstance(pending.leader, leader)) return;
    this.#challenger = { leader, term, metadata, heardAt: this.#now };
    // One heartbeat for our leader to answer above the challenger's term (it answers at once).
    if (!pending) this.#timers.set('challenger', this.#now + this.#options.heartbeatMs);
  }

  #dropChallenger(): void {
    this.#challenger = undefined;
    this.#timers.delete('challenger');
  }

  #detectionMs(): number {
    return (this.#options.misses + DETECTION_MARGIN_HEARTBEATS) * this.#options.heartbeatMs;
  }

  #leaderIsFresh(): boolean {
    return this.#leader !== undefined &&
      this.#now - this.#leaderHeardAt <= FRESH_LEADER_HEARTBEATS * this.#options.heartbeatMs;
  }

  /**
   * rank × step plus jitter below half a step, so ranks never swap order. Rank 0 gets none: two
   * nodes that both think they are top (one missed the other) settle it by ELECTION/OK anyway.
   */
  #skewMs(): number {
    const { skewStepMs, maxSkewRank, random } = this.#options;
    const rank = this.#knownNodes.rankOf(this.#self, maxSkewRank);
    if (rank === 0) return 0;
    return rank * skewStepMs + random() * (skewStepMs / 2);
  }

  #answerAsLeader(): void {
    const earliest = this.#lastCoordinatorSentAt + this.#answerWindowMs;
    if (this.#now >= earliest) {
      this.#sendCoordinator();
    } else {
      const heartbeat = this.#timers.get('heartbeat');
      if (heartbeat === undefined || heartbeat > earliest) this.#timers.set('heartbeat', earliest);
    }
  }

  #sendCoordinator(): void {
    this.#lastCoordinatorSentAt = this.#now;
    this.#send('coordinator');
    this.#timers.set('heartbeat', this.#now + this.#options.heartbeatMs);
  }

  /**
   * One OK per answer window: a later OK is deferred to the window's end. In v1 an OK also waits
   * rank × okStep (the higher a node knows itself to be, the sooner it answers) and is dropped if
   * a higher node speaks meanwhile (see #suppressOk): its multicast already told every lower
   * candidate to stand down. So a cold start of N nodes costs about one OK per ELECTION burst,
   * not one per node above each sender.
   */
  #sendOk(nextInLine = false, delayMs = 0): void {
    if (nextInLine) this.#okNextInLine = true;
    let earliest = Math.max(this.#lastOkSentAt + this.#answerWindowMs, this.#now + delayMs);
    if (!this.#go && !nextInLine) earliest = Math.max(earliest, this.#now + this.#okDelayMs());
    const pending = this.#timers.get('send-ok');
    if (pending !== undefined) {
      // Only a next-in-line OK brings a pending (rank-delayed) one forward.
      if (earliest < pending) this.#timers.set('send-ok', earliest);
      return;
    }
    if (this.#now >= earliest) {
      this.#lastOkSentAt = this.#now;
      this.#okNextInLine = false;
      this.#send('ok');
    } else {
      this.#timers.set('send-ok', earliest);
    }
  }

  /** rank × okStep: at most a quarter of okWait in all, so a lower candidate always hears an OK in time. */
  #okDelayMs(): number {
    const { okWaitMs, maxSkewRank } = this.#options;
    const rank = this.#knownNodes.rankOf(this.#self, maxSkewRank);
    return rank * (okWaitMs / (4 * maxSkewRank));
  }

  /** A higher node spoke after a lower ELECTION: every lower candidate heard it, our OK adds nothing. */
  #suppressOk(from: NodeIdentity): void {
    if (this.#go || !this.#timers.has('send-ok')) return;
    // The leader's answer does not say who is next in line; a higher follower's OK already did.
    if (this.#okNextInLine && this.#leader && sameInstance(this.#leader, from)) return;
    this.#okNextInLine = false;
    this.#timers.delete('send-ok');
    this.#counters.okSuppressed++;
  }

  /** Reported when first heard, then again at most every CONFLICT_REPORT_HEARTBEATS while it lasts. */
  #reportConflict(other: NodeIdentity): void {
    this.#counters.conflicts++;
    const last = this.#conflictReportedAt.get(other.nonce);
    if (last !== undefined && this.#now - last < CONFLICT_REPORT_HEARTBEATS * this.#options.heartbeatMs) return;
    this.#conflictReportedAt.delete(other.nonce);
    this.#conflictReportedAt.set(other.nonce, this.#now);
    if (this.#conflictReportedAt.size > MAX_TRACKED_CONFLICTS) {
      const oldest = this.#conflictReportedAt.keys().next().value;
      if (oldest !== undefined) this.#conflictReportedAt.delete(oldest);
    }
    this.#events.push({
      type: 'conflict',
      other,
      reason: `another instance (nonce ${other.nonce}) runs with the same id ${other.id} and address ${other.address}`,
    });
  }

  #send(type: MessageType): void {
    this.#seq += 1n;
    const metadata = type === 'coordinator' && this.#options.metadata.length > 0 ? this.#options.metadata : undefined;
    this.#messages.push({
      type,
      term: this.#go ? 0n : this.#term,
      from: this.#self,
      seq: this.#seq,
      flags: 0,
      ...(metadata !== undefined && { metadata }),
    });
    this.#counters.messagesSent++;
  }

  #enter(now: number): void {
    if (typeof now !== 'number') throw new TypeError(`now must be a number of milliseconds, got ${typeof now}`);
    if (!Number.isFinite(now)) throw new RangeError(`now must be finite, got ${now}`);
    // Time never goes backwards inside the core: an earlier clock reading counts as the last one.
    if (now > this.#now) this.#now = now;
  }

  #flush(): Ready {
    if (this.#messages.length === 0 && this.#events.length === 0) return EMPTY_READY;
    const ready: Ready = { messages: this.#messages, events: this.#events };
    this.#messages = [];
    this.#events = [];
    return ready;
  }
}
