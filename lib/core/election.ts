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
//   two leaders that meet always resolve in one exchange: the lower one gives way. Terms compare
//   as serial numbers (term.ts), so no term, not even a forged 2^64 − 1, can exhaust them; the
//   fenced leader and its term are kept in fence.ts.
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
// - Parts, each in a file of its own: the deadlines (timers.ts), the rank among known nodes
//   (known-nodes.ts), the failure detector (leader-timeout.ts), a follower's challenger
//   (challenger.ts), coalesced OK and COORDINATOR (ok-sender.ts, coordinator-sender.ts), the
//   leader probe's hint (probe-hint.ts), duplicate identities (conflicts.ts), the Ready (outbox.ts).
import { codedError, rangeError, typeError } from '../errors';
import { PendingChallenger } from './challenger';
import { ConflictReports } from './conflicts';
import { CoordinatorSender } from './coordinator-sender';
import { zeroCounters, type ElectionCounters } from './counters';
import { Fence } from './fence';
import { KnownNodes } from './known-nodes';
import { LeaderTimeout } from './leader-timeout';
import { checkMessage, checkMetadataSize } from './message';
import { OkSender } from './ok-sender';
import { resolveElectionOptions, type ElectionOptions, type ResolvedElectionOptions } from './options';
import { EMPTY_READY, Outbox } from './outbox';
import { compareInstance, comparePriority, instanceKey, sameInstance, sameNode } from './priority';
import { ProbeHint } from './probe-hint';
import { nextTerm, termNewer } from './term';
import { Timers, type TimerName } from './timers';
import type {
  CandidacyReason, FaultReason, FollowerReason, LeaderReason, Message, MessageType, NodeIdentity, Ready,
  RecoveryReason, Role, StateReason, TermReason, WaitingReason,
} from './types';

/** A message from another node as the role steps see it: term 0n in go mode, higher = it outranks us. */
type Heard = Pick<Message, 'type' | 'from' | 'term' | 'metadata'> & { readonly higher: boolean };

/** #beginCandidacy flag: a known leader went away, the skew ranked us, wait failoverOkWaitMs for OK. */
const FAILOVER = true;

export class Election {
  readonly #options: ResolvedElectionOptions;
  readonly #self: NodeIdentity;
  readonly #go: boolean;
  readonly #knownNodes: KnownNodes;
  readonly #timers = new Timers();
  readonly #fence: Fence;
  readonly #leaderTimeout: LeaderTimeout;
  /** Follower: a newer-term leader that our (higher) leader has not yet out-termed. */
  readonly #challenger: PendingChallenger;
  readonly #okSender: OkSender;
  readonly #coordinatorSender: CoordinatorSender;
  readonly #probeHint: ProbeHint;
  readonly #conflicts: ConflictReports;
  readonly #outbox: Outbox;
  readonly #counters = zeroCounters();

  #role: Role = 'idle';
  /** Newest term heard (v1); a leader's own term while leading. */
  #term = 0n;
  /** False until a term was heard or taken: a fresh node adopts the first term it hears as is. */
  #termKnown = false;
  /** The leader followed or held now, if any. */
  #leader: NodeIdentity | undefined;
  #leaderMetadata: Uint8Array | undefined;
  /** Last ELECTION or OK heard from a node that outranks us (it is alive and electing). */
  #higherActivityAt = -Infinity;
  /** Higher instances that told us to wait during this round; forgotten if they never announce. */
  #waitingOn = new Map<string, NodeIdentity>();
  /** This round's OK wait: failoverOkWaitMs after the loss of a known leader, else okWaitMs. */
  #roundOkWaitMs = 0;
  /** The last leader followed (kept through rounds, unlike #leader): a lower successor means a failover. */
  #lastFollowed: NodeIdentity | undefined;
  #lastElectionSentAt = -Infinity;
  #now = -Infinity;
  /** What our COORDINATOR carries (empty: none); setMetadata() changes it. */
  #metadata: Uint8Array;

  constructor(options: ElectionOptions) {
    this.#options = resolveElectionOptions(options);
    const { self, mode, heartbeatMs, okWaitMs } = this.#options;
    this.#go = mode === 'go';
    // In go mode the wire carries no nonce: own packets come back with nonce 0.
    this.#self = this.#go ? { id: self.id, address: self.address, nonce: 0n } : self;
    // Coalescing window for OK and for a leader's immediate answers.
    const answerWindowMs = Math.max(1, Math.min(heartbeatMs, okWaitMs) / 4);
    const timers = this.#timers;
    this.#fence = new Fence(this.#go);
    this.#leaderTimeout = new LeaderTimeout(timers, this.#options);
    this.#challenger = new PendingChallenger(timers, heartbeatMs);
    this.#knownNodes = new KnownNodes(this.#self, this.#options);
    const rank = () => this.#knownNodes.rank();
    this.#okSender = new OkSender({ options: this.#options, answerWindowMs, timers, rank, send: () => this.#send('ok') });
    this.#coordinatorSender = new CoordinatorSender({ timers, heartbeatMs, answerWindowMs, send: () => this.#send('coordinator') });
    this.#probeHint = new ProbeHint(heartbeatMs);
    this.#conflicts = new ConflictReports(heartbeatMs);
    this.#outbox = new Outbox(this.#self);
    this.#metadata = this.#options.metadata;
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
    return this.#probeHint.distrusts(this.#leader);
  }

  /**
   * Begins as a candidate. `reason` says why this round starts: 'start', or a RecoveryReason for
   * the new identity of a node that was in 'fault' (its address changed while it was), which
   * leaves 'fault' as recover() does. Calling it twice is a programming error.
   */
  start(now: number, reason: 'start' | RecoveryReason = 'start'): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    if (this.#role !== 'idle') throw codedError('ERR_ELECTION_STARTED', 'election already started');
    this.#advanceClock(now);
    if (reason !== 'start') this.#role = 'fault';
    this.#beginCandidacy(reason, this.#options.startListenMs);
    return this.#outbox.flush();
  }

  /**
   * Feeds one decoded message from the network. Before start() and after stop() it is ignored;
   * in 'fault' it is only counted. The node's own messages (looped back) are counted and dropped here.
   */
  receive(message: Message, now: number): Ready {
    checkMessage(message, { bigints: true });
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#advanceClock(now);
    if (this.#isOwn(message.from)) {
      this.#counters.ownIgnored++;
      return EMPTY_READY;
    }
    this.#counters.messagesReceived++;
    if (this.#role === 'fault') return EMPTY_READY;
    this.#handle(message);
    return this.#outbox.flush();
  }

  /**
   * Fires every timer due at or before now. `unheard`: the driver could send nothing since this
   * round's ELECTION, that one included, so nobody heard the round: a claim of office due now
   * would be baseless, and the node faults ('send-failing') instead.
   */
  tick(now: number, { unheard = false }: { readonly unheard?: boolean } = {}): Ready {
    if (this.#role === 'idle' || this.#role === 'stopped' || this.#role === 'fault') return EMPTY_READY;
    this.#advanceClock(now);
    for (const due of this.#timers.takeDue(this.#now)) {
      if (due === 'ok-wait' && unheard) {
        this.#halt('fault', 'send-failing');
        break;
      }
      this.#fire(due);
    }
    return this.#outbox.flush();
  }

  /** The one absolute time (ms) at which the driver should call tick(), if any. */
  nextDeadline(): number | undefined {
    return this.#timers.earliest();
  }

  /**
   * What this node's COORDINATOR carries from the next one on (v1 only, at most MAX_METADATA_BYTES;
   * empty for none). A sitting leader's own `leaderMetadata` changes at once. Copies the bytes.
   */
  setMetadata(metadata: Uint8Array): void {
    if (!(metadata instanceof Uint8Array)) throw typeError('ERR_INVALID_ARG_TYPE', 'metadata must be a Uint8Array');
    checkMetadataSize(metadata, 'metadata');
    if (this.#go && metadata.length > 0) throw rangeError('ERR_OUT_OF_RANGE', 'metadata is not supported in go mode (the Go wire format has no room for it)');
    this.#metadata = Uint8Array.from(metadata);
    if (this.#role === 'leader') this.#leaderMetadata = this.#metadata.length > 0 ? this.#metadata : undefined;
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
    this.#advanceClock(now);
    this.#counters.leaderUnreachable++;
    this.#probeHint.noteRefused(leader, this.#now);
    this.#leaderTimeout.shorten();
    return this.#outbox.flush();
  }

  /**
   * The node cannot take part (its NIC is down, gone, without an address, or cannot send): it
   * leaves office or any round at once and sends nothing. Terms and fencing are kept.
   */
  fault(now: number, reason: FaultReason): Ready {
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#advanceClock(now);
    if (this.#role === 'fault') return EMPTY_READY;
    this.#halt('fault', reason);
    return this.#outbox.flush();
  }

  /** Leaves 'fault': a round as at start-up (the cluster may have changed meanwhile). */
  recover(now: number, reason: RecoveryReason = 'recovered'): Ready {
    if (this.#role !== 'fault') return EMPTY_READY;
    this.#advanceClock(now);
    this.#higherActivityAt = -Infinity;
    this.#beginCandidacy(reason, this.#options.startListenMs);
    return this.#outbox.flush();
  }

  /** Leaves the election: RESIGN when leading (v1), then role 'stopped' for good. */
  stop(now: number): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    this.#advanceClock(now);
    if (this.#role === 'leader' && !this.#go) {
      // Twice: a follower that misses the only RESIGN waits out a whole detection bound. The
      // copies carry their own seq, so the replay filter keeps both; a second one is a no-op.
      this.#send('resign');
      this.#send('resign');
    }
    this.#halt('stopped', 'stopped');
    return this.#outbox.flush();
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
    if (sameNode(from, this.#self) && !this.#fence.isStale(term)) this.#reportConflict(from);
    const higher = compareInstance(from, this.#self) > 0;
    if (higher && message.type !== 'resign' && !this.#fence.isStale(term) && this.#okSender.suppress(from, this.#leader)) {
      this.#counters.okSuppressed++;
    }
    if (message.type === 'resign') {
      this.#knownNodes.forget(from);
    } else if (!this.#fence.isStale(term)) {
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
        return this.#coordinatorSender.answer(this.#now);
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
        return this.#coordinatorSender.answer(this.#now);
    }
  }

  /** A go-mode leader has no terms: it yields to a higher node and answers everyone else. */
  #stepGoLeader({ type, from, term, higher, metadata }: Heard): void {
    if (type === 'election' && higher) {
      // A Go node restarts its 2 s election on every COORDINATOR from a lower node, so answering
      // would lock it out forever: yield as a Go leader does, and resume if it never announces.
      this.#resetRound();
      this.#noteHigherActivity(from);
      return this.#enterWaiting('higher-node-electing');
    }
    if (type === 'election') this.#okSender.send(this.#now); // cancels a Go candidate's election timer
    if (type === 'coordinator' && higher) return this.#follow(from, term, metadata, 'higher-leader');
    if (type === 'election' || type === 'coordinator') this.#coordinatorSender.answer(this.#now);
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
          if (this.#nextInLine()) this.#okSender.send(this.#now, { nextInLine: true });
          return;
        }
        return this.#okSender.send(this.#now);
      case 'ok':
        // With a fresh leader a higher follower's OK answers a joiner or says it is next in line:
        // no election is under way. Our leader's own (sent just before it took office) neither.
        if (higher && !this.#staleHigher(term) && !this.#leaderIsFresh() && !(leader && sameInstance(leader, from))) {
          this.#noteHigherActivity(from);
        }
        return;
      case 'coordinator':
        if (leader && sameInstance(leader, from)) {
          if (this.#ignoredAsStale(this.#fence.isStale(term))) return;
          // Our leader out-termed a challenger (or kept its term while none is pending).
          const challenger = this.#challenger.current;
          if (challenger && termNewer(term, challenger.term)) this.#challenger.drop();
          return this.#follow(from, term, metadata, 'coordinator');
        }
        if (this.#ignoredAsStale(!this.#fence.admits(from, term))) return;
        if (leader && this.#leaderIsFresh() && compareInstance(leader, from) > 0) {
          // A fresh leader outranking the newcomer stays if it is live: it hears the newcomer's
          // newer term and answers above it at once. If it does not within a heartbeat, it is gone
          // (or its traffic is being replayed) and the newer term wins.
          return this.#challenger.note(from, term, metadata, this.#now);
        }
        return this.#adoptLeader(from, term, metadata, higher);
      case 'resign':
        if (leader && sameInstance(leader, from)) return this.#beginCandidacy('leader-resigned', this.#knownNodes.skewMs(), FAILOVER);
        if (this.#challenger.current && sameInstance(this.#challenger.current.leader, from)) this.#challenger.drop();
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
          if (type === 'election') this.#okSender.send(this.#now);
          return;
        }
        if (this.#staleHigher(term)) return;
        this.#noteHigherActivity(from);
        // Waiting already: this extends the wait.
        return this.#enterWaiting(type === 'election' ? 'higher-node-electing' : 'ok-from-higher-node');
      case 'coordinator':
        if (this.#ignoredAsStale(!this.#fence.admits(from, term))) return;
        // We outrank this leader: keep our round. Its term is fenced, so its own later heartbeats
        // cannot pull us back.
        if (this.#options.preempt && !higher) return this.#fence.raise(from, term);
        return this.#follow(from, term, metadata, 'coordinator');
      case 'resign':
        // Waiting only on the instance that just left: no COORDINATOR will come, restart now.
        if (this.#waitingOn.delete(instanceKey(from)) && this.#role === 'waiting' && this.#waitingOn.size === 0) {
          this.#beginCandidacy('higher-node-resigned', this.#knownNodes.skewMs(), FAILOVER);
        }
        return;
    }
  }

  /** Follower: a leader with an acceptable term. Follow it, or take over from it if we outrank it. */
  #adoptLeader(from: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, higher: boolean, heardAt = this.#now): void {
    if (this.#options.preempt && !higher) {
      // Its term is fenced, so its own later heartbeats cannot pull us back.
      this.#fence.raise(from, term);
      return this.#beginCandidacy('lower-leader', this.#knownNodes.skewMs());
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
        return this.#beginCandidacy('coordinator-timeout', this.#knownNodes.skewMs());
      case 'heartbeat':
        return this.#coordinatorSender.send(this.#now);
      case 'leader-timeout':
        return this.#suspectLeader();
      case 'challenger': {
        const challenger = this.#challenger.take();
        if (!challenger || this.#role !== 'follower' || !this.#fence.admits(challenger.leader, challenger.term)) return;
        // Its silence is counted from when it was last heard, not from now.
        const higher = compareInstance(challenger.leader, this.#self) > 0;
        return this.#adoptLeader(challenger.leader, challenger.term, challenger.metadata, higher, challenger.heardAt);
      }
      case 'send-ok':
        return this.#okSender.fire(this.#now);
    }
  }

  /** The old role's timers go (a coalesced OK still goes out), and with the challenger's timer the challenger. */
  #clearRoleTimers(): void {
    this.#timers.clearRoleTimers();
    this.#challenger.drop();
  }

  // ---- role changes --------------------------------------------------------------------------

  /**
   * A round starts, or office ends: no leader, and nobody has told us to wait yet. A follower whose
   * leader timed out keeps the higher nodes it heard electing (`keepWaitingOn`): it may wait for them.
   */
  #resetRound({ keepWaitingOn = false }: { readonly keepWaitingOn?: boolean } = {}): void {
    this.#leader = undefined;
    this.#leaderMetadata = undefined;
    if (!keepWaitingOn) this.#waitingOn.clear();
  }

  #beginCandidacy(reason: CandidacyReason, delayMs: number, failover = false): void {
    this.#resetRound();
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
      // A leader's COORDINATOR answers everyone: an OK still pending would make followers think
      // a round is under way.
      this.#okSender.cancel();
    }
    this.#resetRound();
    this.#clearRoleTimers();
    this.#leader = this.#self;
    this.#leaderMetadata = this.#metadata.length > 0 ? this.#metadata : undefined;
    this.#fence.set(this.#self, this.#term);
    this.#transition('leader', reason);
    this.#outbox.emit({ type: 'leader', term: this.#term });
    this.#coordinatorSender.send(this.#now);
  }

  /** A sitting leader moves to a newer term; it stays in office, so this is not a 'leader' event. */
  #raiseTerm(term: bigint, reason: TermReason): void {
    this.#term = term;
    this.#termKnown = true;
    this.#fence.set(this.#self, term);
    this.#outbox.emit({ type: 'term', term, reason });
  }

  #follow(leader: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, reason: FollowerReason, heardAt = this.#now): void {
    const previous = this.#leader;
    const changed = !previous || !sameInstance(previous, leader) || term !== this.#fence.term || this.#role !== 'follower';
    if (previous !== undefined && !sameInstance(previous, leader)) {
      this.#challenger.drop();
      // A lower node took office after ours: the cluster gave ours up (its successor probed it, or
      // timed out first). Forget it like a suspected leader, or it would lengthen our skew for good.
      if (!sameNode(previous, leader) && comparePriority(previous, leader) > 0) this.#knownNodes.forget(previous);
    }
    if (this.#probeHint.noteHeard(leader, heardAt)) this.#counters.probeContradicted++;
    this.#fence.set(leader, term);
    // v1: the leader's term, even when it is older than a term merely heard (e.g. from a forger):
    // the next election still takes a term newer than both. Go mode has no terms (#term stays 0n).
    this.#learnTerm(term);
    if (this.#role !== 'follower') {
      // The round is settled: earlier ELECTION/OK traffic from higher nodes must not make a
      // later leader failure wait for a COORDINATOR that this round already delivered.
      this.#higherActivityAt = -Infinity;
      this.#resetRound();
      this.#clearRoleTimers();
      this.#transition('follower', reason);
    }
    this.#leader = leader;
    this.#leaderMetadata = metadata;
    this.#leaderTimeout.heard(heardAt);
    if (changed) {
      this.#outbox.emit({ type: 'follower', leader, term, ...(metadata !== undefined && { metadata }) });
    }
    // After a failover the followers only know the new leader and whoever they heard on the way:
    // many may think themselves next in line. Each says so once, at a random moment of the next
    // heartbeat; a higher one's OK cancels a lower one's, so about ln N are sent.
    const lastFollowed = this.#lastFollowed;
    this.#lastFollowed = leader;
    if (lastFollowed && !sameNode(lastFollowed, leader) && comparePriority(lastFollowed, leader) > 0 && this.#nextInLine()) {
      this.#okSender.send(this.#now, { nextInLine: true, delayMs: this.#options.random() * this.#options.heartbeatMs });
    }
  }

  /** A v1 follower that knows no node between itself and its leader. */
  #nextInLine(): boolean {
    const leader = this.#leader;
    if (this.#go || this.#role !== 'follower' || !leader) return false;
    return this.#knownNodes.nextInLineBelow(leader);
  }

  #suspectLeader(): void {
    if (this.#leader) this.#knownNodes.forget(this.#leader);
    this.#resetRound({ keepWaitingOn: true });
    // A higher node is already electing: wait for its COORDINATOR instead of speaking.
    if (this.#now - this.#higherActivityAt < this.#options.coordinatorWaitMs) {
      this.#enterWaiting('leader-timeout', this.#higherActivityAt);
      return;
    }
    this.#beginCandidacy('leader-timeout', this.#knownNodes.skewMs(), FAILOVER);
  }

  /** Out of office and out of any round, with no timers: 'fault' or 'stopped'. */
  #halt(to: 'fault' | 'stopped', reason: FaultReason | 'stopped'): void {
    this.#timers.clear();
    this.#okSender.cancel();
    this.#challenger.drop();
    this.#resetRound();
    this.#transition(to, reason);
  }

  #transition(to: Role, reason: StateReason): void {
    const from = this.#role;
    this.#role = to;
    this.#outbox.emit({ type: 'state', from, to, reason, term: this.#term });
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

  /** A COORDINATOR whose term the fence refuses is counted, and ignored. */
  #ignoredAsStale(refused: boolean): boolean {
    if (refused) this.#counters.staleIgnored++;
    return refused;
  }

  /** ELECTION/OK of a higher node that has not heard our leader: it must not hold up a round. */
  #staleHigher(term: bigint): boolean {
    if (!this.#fence.isStale(term)) return false;
    this.#counters.staleHigherIgnored++;
    return true;
  }

  #leaderIsFresh(): boolean {
    return this.#leader !== undefined && this.#leaderTimeout.isFresh(this.#now);
  }

  #reportConflict(other: NodeIdentity): void {
    this.#counters.conflicts++;
    const event = this.#conflicts.report(other, this.#now);
    if (event) this.#outbox.emit(event);
  }

  #send(type: MessageType): void {
    const metadata = type === 'coordinator' && this.#metadata.length > 0 ? this.#metadata : undefined;
    this.#outbox.send(type, this.#go ? 0n : this.#term, metadata);
    this.#counters.messagesSent++;
  }

  /** Validates a caller's `now`; time never goes backwards inside the core. */
  #advanceClock(now: number): void {
    if (typeof now !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `now must be a number of milliseconds, got ${typeof now}`);
    if (!Number.isFinite(now)) throw rangeError('ERR_OUT_OF_RANGE', `now must be finite, got ${now}`);
    // An earlier clock reading counts as the last one.
    if (now > this.#now) this.#now = now;
  }
}
