// The Bully election as a pure, deterministic state machine (etcd-raft style): messages and time
// go in, messages to send and events come out. No I/O, no clock, no Math.random. Why, and which
// file holds each of its parts: docs/ARCHITECTURE.md, "The election core".
import { codedError } from '../errors';
import { CoreClock } from './clock';
import { PendingChallenger } from './challenger';
import { ConflictReports } from './conflicts';
import { CoordinatorSender } from './coordinator-sender';
import { zeroCounters, type ElectionCounters } from './counters';
import { Fence } from './fence';
import { KnownNodes } from './known-nodes';
import { LeaderTimeout } from './leader-timeout';
import { checkMessage } from './message';
import { OkSender } from './ok-sender';
import { checkHoldMs, checkPriority, metadataCopy, resolveElectionOptions, type ElectionOptions, type ResolvedElectionOptions } from './options';
import { EMPTY_READY, Outbox } from './outbox';
import { compareInstance, comparePriority, identityOf, sameInstance, sameNode, withPriority, type RankedNode } from './priority';
import { HigherNodes } from './higher-nodes';
import { Preemption } from './preemption';
import { ProbeHint } from './probe-hint';
import { Standing } from './standing';
import { nextTerm, TermBook, termNewer } from './term';
import { Timers, type TimerName } from './timers';
import {
  DEFAULT_PRIORITY, MESSAGE_FLAGS,
  type CandidacyReason, type FaultReason, type FollowerReason, type LeaderReason, type Message, type MessageType, type NodeIdentity,
  type Ready, type RecoveryReason, type Role, type StateReason, type TermReason, type WaitingReason,
} from './types';

/**
 * A message from another node as the role steps see it: the sender with the priority it carried,
 * term 0n in go mode, higher = it outranks us, and the successor a RESIGN names.
 */
interface Heard extends Pick<Message, 'type' | 'term' | 'metadata' | 'successor'> {
  readonly from: RankedNode;
  readonly higher: boolean;
}

/** #beginCandidacy flag: a known leader went away, the skew ranked us, wait failoverOkWaitMs for OK. */
const FAILOVER = true;

export class Election {
  readonly #options: ResolvedElectionOptions;
  /** Our identity with the priority we advertise now (see #rankSelf). */
  #self: RankedNode;
  readonly #identity: NodeIdentity;
  readonly #standing: Standing;
  readonly #preemption: Preemption;
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
  readonly #term: TermBook;
  /** The leader followed or held now, if any, with the priority it last carried. */
  #leader: RankedNode | undefined;
  #leaderMetadata: Uint8Array | undefined;
  readonly #higher = new HigherNodes();
  /** This round's OK wait: failoverOkWaitMs after the loss of a known leader, else okWaitMs. */
  #roundOkWaitMs = 0;
  /** The last leader followed (kept through rounds, unlike #leader): a lower successor means a failover. */
  #lastFollowed: NodeIdentity | undefined;
  #lastElectionSentAt = -Infinity;
  readonly #clock = new CoreClock();
  /** What our COORDINATOR carries (empty: none); setMetadata() changes it. */
  #metadata: Uint8Array;

  constructor(options: ElectionOptions) {
    this.#options = resolveElectionOptions(options);
    const { self, mode, heartbeatMs, okWaitMs } = this.#options;
    this.#go = mode === 'go';
    // In go mode the wire carries no nonce: own packets come back with nonce 0.
    this.#identity = { id: self.id, address: self.address, nonce: this.#go ? 0n : self.nonce };
    this.#standing = new Standing(this.#options.priority);
    this.#term = new TermBook(this.#go);
    this.#preemption = new Preemption(this.#timers, this.#options);
    this.#self = { ...this.#identity, priority: this.#options.priority };
    // Coalescing window for OK and for a leader's immediate answers.
    const answerWindowMs = Math.max(1, Math.min(heartbeatMs, okWaitMs) / 4);
    const timers = this.#timers;
    this.#fence = new Fence(this.#go, this.#counters);
    this.#leaderTimeout = new LeaderTimeout(timers, this.#options);
    this.#challenger = new PendingChallenger(timers, heartbeatMs);
    this.#knownNodes = new KnownNodes(this.#self, this.#options);
    const rank = () => this.#knownNodes.rank();
    this.#okSender = new OkSender({ options: this.#options, answerWindowMs, timers, rank, send: () => this.#send('ok') });
    this.#coordinatorSender = new CoordinatorSender({ timers, heartbeatMs, answerWindowMs, send: () => this.#send('coordinator') });
    this.#probeHint = new ProbeHint(heartbeatMs);
    this.#conflicts = new ConflictReports(heartbeatMs);
    this.#outbox = new Outbox(this.#identity);
    this.#metadata = this.#options.metadata;
  }

  get role(): Role { return this.#role; }

  /** Leader's term when following or leading, else the highest term heard (always 0n in go mode). */
  get term(): bigint { return this.#term.current; }

  /** The current leader (ourselves when leading), undefined when there is none. */
  get leader(): NodeIdentity | undefined { return this.#leader && identityOf(this.#leader); }

  /** The priority the leader last carried (ours when leading), undefined when there is none. */
  get leaderPriority(): number | undefined { return this.#leader?.priority; }

  /** The priority this node has (setPriority), whatever it advertises while held. */
  get priority(): number { return this.#standing.priority; }

  get leaderMetadata(): Uint8Array | undefined { return this.#leaderMetadata; }

  get counters(): Readonly<ElectionCounters> { return { ...this.#counters }; }

  get options(): ResolvedElectionOptions { return this.#options; }

  /**
   * The leader this node should probe for a dead process (see leaderUnreachable), or undefined:
   * the v1 follower next in line below the leader does (as far as it knows), and not a leader
   * whose host refused a probe while the leader was alive (see leaderRefusesProbes).
   */
  get probeTarget(): NodeIdentity | undefined { return this.#nextInLine() && !this.leaderRefusesProbes ? this.leader : undefined; }

  /**
   * The current leader was heard well after its host refused our probe (a firewall that rejects
   * unicast to the port, say): its refusals say nothing, and it is not probed any more.
   */
  get leaderRefusesProbes(): boolean { return this.#probeHint.distrusts(this.#leader); }

  /**
   * Begins as a candidate. `reason` says why this round starts: 'start', or a RecoveryReason for
   * the new identity of a node that was in 'fault' (its address changed while it was), which
   * leaves 'fault' as recover() does. Calling it twice is a programming error.
   */
  start(now: number, reason: 'start' | RecoveryReason = 'start'): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    if (this.#role !== 'idle') throw codedError('ERR_ELECTION_STARTED', 'election already started');
    this.#clock.advance(now);
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
    this.#clock.advance(now);
    // Our own packet, looped back (go mode has no nonce: our (id, address) is us).
    if (sameNode(message.from, this.#self) && (this.#go || message.from.nonce === this.#self.nonce)) {
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
    this.#clock.advance(now);
    for (const due of this.#timers.takeDue(this.#clock.now)) {
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
   * This node's priority from now on (1..254, v1 only: its base plus its checks' weights). A
   * leader that falls below a node it knows hands office to it at once (with preempt); a follower
   * that comes to outrank its leader takes over after preemptDelayMs (with preempt).
   */
  setPriority(now: number, priority: number): Ready {
    checkPriority(priority, 'priority', this.#options.mode);
    if (this.#role === 'stopped') return EMPTY_READY;
    this.#clock.advance(now);
    if (priority === this.#standing.priority) return EMPTY_READY;
    this.#standing.priority = priority;
    this.#rankSelf();
    return this.#outbox.flush();
  }

  /**
   * Leaves office (a RESIGN naming the highest node it knows, which takes over at once) and may not
   * lead for `holdMs`: it advertises INELIGIBLE_PRIORITY, starts no round and follows whoever leads.
   * Not leading, it only holds. v1 only (the Go format has no RESIGN).
   */
  resign(now: number, { holdMs = 0 }: { readonly holdMs?: number } = {}): Ready {
    if (this.#go) throw codedError('ERR_MULTIBULLY_UNSUPPORTED', 'resign is not supported in go mode: the Go wire format has no RESIGN');
    checkHoldMs(holdMs);
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#clock.advance(now);
    if (holdMs > 0) {
      this.#standing.hold(this.#clock.now + holdMs);
      this.#timers.set('hold-end', this.#clock.now + holdMs);
    }
    if (this.#role !== 'leader') {
      this.#rankSelf();
    } else {
      this.#advertiseStanding();
      this.#handOver(this.#knownNodes.highest());
    }
    return this.#outbox.flush();
  }

  /**
   * What this node's COORDINATOR carries from the next one on (v1 only, at most MAX_METADATA_BYTES;
   * empty for none). A sitting leader's own `leaderMetadata` changes at once. Copies the bytes.
   */
  setMetadata(metadata: Uint8Array): void {
    this.#metadata = metadataCopy(metadata, this.#options.mode);
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
    this.#clock.advance(now);
    this.#counters.leaderUnreachable++;
    this.#probeHint.noteRefused(leader, this.#clock.now);
    this.#leaderTimeout.shorten();
    return this.#outbox.flush();
  }

  /**
   * The node cannot take part (its NIC is down, gone, without an address, or cannot send): it
   * leaves office or any round at once and sends nothing. Terms and fencing are kept.
   */
  fault(now: number, reason: FaultReason): Ready {
    if (this.#role === 'idle' || this.#role === 'stopped') return EMPTY_READY;
    this.#clock.advance(now);
    if (this.#role === 'fault') return EMPTY_READY;
    this.#halt('fault', reason);
    return this.#outbox.flush();
  }

  /** Leaves 'fault': a round as at start-up (the cluster may have changed meanwhile). */
  recover(now: number, reason: RecoveryReason = 'recovered'): Ready {
    if (this.#role !== 'fault') return EMPTY_READY;
    this.#clock.advance(now);
    this.#higher.forgetActivity();
    if (this.#standing.isHeld(this.#clock.now)) this.#timers.set('hold-end', this.#standing.heldUntil);
    this.#beginCandidacy(reason, this.#options.startListenMs);
    return this.#outbox.flush();
  }

  /** Leaves the election: RESIGN when leading (v1), then role 'stopped' for good. */
  stop(now: number): Ready {
    if (this.#role === 'stopped') return EMPTY_READY;
    this.#clock.advance(now);
    if (this.#role === 'leader' && !this.#go) this.#sendResign(this.#knownNodes.highest());
    this.#halt('stopped', 'stopped');
    return this.#outbox.flush();
  }

  // ---- input: one step function per role (etcd raft style) -----------------------------------

  #handle(message: Message): void {
    const from = withPriority(message.from, this.#go ? DEFAULT_PRIORITY : message.priority ?? DEFAULT_PRIORITY);
    const term = this.#go ? 0n : message.term;
    // Another start of our (id, address). Its packets still count, ordered by nonce, so that
    // exactly one of the two leads. Traffic older than our leader's term is a replay of an
    // earlier start of ours, not a live twin: it is not reported.
    if (sameNode(from, this.#self) && !this.#fence.isStale(term)) {
      this.#counters.conflicts++;
      const event = this.#conflicts.report(from, this.#clock.now);
      if (event) this.#outbox.emit(event);
    }
    const higher = compareInstance(from, this.#self) > 0;
    if (higher && message.type !== 'resign' && !this.#fence.isStale(term) && this.#okSender.suppress(from, this.#leader)) {
      this.#counters.okSuppressed++;
    }
    if (message.type === 'resign') {
      this.#knownNodes.forget(from);
    } else if (!this.#fence.isStale(term) || (message.type === 'election' && !higher)) {
      // Traffic from before the current leader (or replayed) says nothing about who is alive; but
      // a joiner's ELECTION carries the term it knows (none yet), and a RESIGN must be able to
      // name it. A lower node never changes our rank: at worst a replayed one is named, and the
      // followers' own round follows (see #stepFollower's resign).
      this.#knownNodes.note(from);
    }
    const heard: Heard = { type: message.type, from, term, higher, metadata: message.metadata, successor: message.successor };
    if (this.#role === 'leader') return this.#go ? this.#stepGoLeader(heard) : this.#stepLeader(heard);
    this.#term.learn(term);
    if (this.#role === 'follower') this.#stepFollower(heard);
    else this.#stepCandidate(heard);
    if (message.type === 'coordinator' && (message.flags & MESSAGE_FLAGS.NO_SUCCESSOR) !== 0) this.#offerSuccession(from);
  }

  /**
   * Our leader would name nobody in a RESIGN: it never heard us (a waiting node is silent, and our
   * ELECTION may have gone out before it listened). The node next in line says it is there (one
   * OK pending at a time, like every OK), or a planned handover would cost a round.
   */
  #offerSuccession(from: RankedNode): void {
    const leader = this.#leader;
    // #nextInLine holds only for a v1 follower.
    if (!leader || !sameInstance(leader, from) || !this.#nextInLine() || this.#standing.isHeld(this.#clock.now)) return;
    this.#okSender.sayNextInLine(this.#clock.now);
  }

  /** A v1 leader answers and fences; it leaves office only for a leader with a newer term. */
  #stepLeader({ type, from, term, higher, metadata }: Heard): void {
    switch (type) {
      case 'election':
        // A candidate knowing our term (or more) means someone doubted us: fence with a new term.
        if (!termNewer(this.#term.current, term)) this.#raiseTerm(nextTerm(term), 'election-at-our-term');
        return this.#coordinatorSender.answer(this.#clock.now);
      case 'ok':
      case 'resign':
        if (termNewer(term, this.#term.current)) this.#raiseTerm(nextTerm(term), 'newer-term-heard');
        return;
      case 'coordinator':
        if (higher && termNewer(term, this.#term.current)) return this.#follow(from, term, metadata, 'higher-leader');
        // A leader elected while we could not be heard (paused, cut off): without preemption
        // the newer leader keeps office. Its term is as new as ours when ours only came from
        // answering its round's ELECTION, which we read after it had claimed (we were paused).
        if (!higher && !this.#options.preempt && (termNewer(term, this.#term.current) || (term === this.#term.current && this.#term.fromAnswer))) {
          return this.#follow(from, term, metadata, 'newer-leader');
        }
        // Two leaders: the lower one must learn it is lower and the higher one must out-term it.
        if (!higher && !termNewer(this.#term.current, term)) this.#raiseTerm(nextTerm(term), 'lower-leader');
        return this.#coordinatorSender.answer(this.#clock.now);
    }
  }

  /** A go-mode leader has no terms: it yields to a higher node and answers everyone else. */
  #stepGoLeader({ type, from, term, higher, metadata }: Heard): void {
    if (type === 'election' && higher) {
      // A Go node restarts its 2 s election on every COORDINATOR from a lower node, so answering
      // would lock it out forever: yield as a Go leader does, and resume if it never announces.
      this.#resetRound();
      this.#higher.heard(from, this.#clock.now);
      return this.#enterWaiting('higher-node-electing');
    }
    if (type === 'election') this.#okSender.send(this.#clock.now); // cancels a Go candidate's election timer
    if (type === 'coordinator' && higher) return this.#follow(from, term, metadata, 'higher-leader');
    if (type === 'election' || type === 'coordinator') this.#coordinatorSender.answer(this.#clock.now);
  }

  /** A follower keeps its leader while it is heard and fenced, and answers lower candidates. */
  #stepFollower({ type, from, term, higher, metadata, successor }: Heard): void {
    const leader = this.#leader;
    switch (type) {
      case 'election':
        if (higher) {
          if (!this.#fence.isStaleHigher(term)) this.#higher.heard(from, this.#clock.now);
          return;
        }
        // Our leader answers a joiner. Go nodes instead expect OK from every higher node: without
        // it their 2 s election timer runs out and they claim.
        if (this.#leaderIsFresh() && !this.#go) {
          // Except that the nodes next in line (the probers) say so: a joiner does not hear the
          // silent followers that started before it, and one that thinks itself next in line
          // would probe, and after a failover claim in the same few ms as the real successor.
          if (this.#nextInLine()) this.#okSender.send(this.#clock.now, { nextInLine: true });
          return;
        }
        return this.#okSender.send(this.#clock.now);
      case 'ok':
        // With a fresh leader a higher follower's OK answers a joiner or says it is next in line:
        // no election is under way. Our leader's own (sent just before it took office) neither.
        if (higher && !this.#fence.isStaleHigher(term) && !this.#leaderIsFresh() && !(leader && sameInstance(leader, from))) {
          this.#higher.heard(from, this.#clock.now);
        }
        return;
      case 'coordinator':
        if (leader && sameInstance(leader, from)) {
          if (this.#fence.refusesOwnLeader(term)) return;
          // Our leader out-termed a challenger (or kept its term while none is pending).
          const challenger = this.#challenger.current;
          if (challenger && termNewer(term, challenger.term)) this.#challenger.drop();
          return this.#follow(from, term, metadata, 'coordinator');
        }
        if (this.#fence.refuses(from, term)) return;
        if (leader && this.#leaderIsFresh() && compareInstance(leader, from) > 0) {
          // A fresh leader outranking the newcomer stays if it is live: it hears the newcomer's
          // newer term and answers above it at once. If it does not within a heartbeat, it is gone
          // (or its traffic is being replayed) and the newer term wins.
          return this.#challenger.note(from, term, metadata, this.#clock.now);
        }
        return this.#adoptLeader(from, term, metadata, higher);
      case 'resign':
        if (leader && sameInstance(leader, from)) {
          if (successor && sameInstance(successor, this.#self) && !this.#standing.isHeld(this.#clock.now)) return this.#becomeLeader('named-successor');
          // The successor it named takes office at once: its COORDINATOR gets a moment before our own round.
          const skew = this.#knownNodes.skewMs();
          return this.#beginCandidacy('leader-resigned', successor ? Math.max(skew, this.#options.failoverOkWaitMs) : skew, FAILOVER);
        }
        if (this.#challenger.current && sameInstance(this.#challenger.current.leader, from)) this.#challenger.drop();
        this.#higher.resigned(from);
        return;
    }
  }

  /** A candidate (or a candidate waiting for a higher node) has no leader and no challenger. */
  #stepCandidate({ type, from, term, higher, metadata }: Heard): void {
    switch (type) {
      case 'election':
      case 'ok':
        if (!higher) {
          if (type === 'election') this.#okSender.send(this.#clock.now);
          return;
        }
        if (this.#fence.isStaleHigher(term)) return;
        this.#higher.heard(from, this.#clock.now);
        // Waiting already: this extends the wait.
        return this.#enterWaiting(type === 'election' ? 'higher-node-electing' : 'ok-from-higher-node');
      case 'coordinator':
        if (this.#fence.refuses(from, term)) return;
        // We outrank this leader: keep our round. Its term is fenced, so its own later heartbeats
        // cannot pull us back. With a preempt delay we follow it first (see preemption.ts).
        if (this.#preemption.now && !higher) return this.#fence.raise(from, term);
        return this.#follow(from, term, metadata, 'coordinator');
      case 'resign':
        // Waiting only on the instance that just left: no COORDINATOR will come, restart now.
        if (this.#higher.resigned(from) && this.#role === 'waiting') {
          this.#beginCandidacy('higher-node-resigned', this.#knownNodes.skewMs(), FAILOVER);
        }
        return;
    }
  }

  /** Follower: a leader with an acceptable term. Follow it, or take over from it if we outrank it. */
  #adoptLeader(from: RankedNode, term: bigint, metadata: Uint8Array | undefined, higher: boolean, heardAt = this.#clock.now): void {
    if (this.#preemption.now && !higher) {
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
        // Held since this round began: the claim waits for the end of the hold.
        if (this.#standing.isHeld(this.#clock.now)) return this.#timers.set('send-election', this.#standing.heldUntil);
        return this.#becomeLeader('no-higher-node-answered');
      case 'coordinator-wait':
        // The higher nodes that told us to wait never announced: consider them gone.
        for (const node of this.#higher.waitedFor()) this.#knownNodes.forget(node);
        return this.#beginCandidacy('coordinator-timeout', this.#knownNodes.skewMs());
      case 'heartbeat':
        return this.#coordinatorSender.send(this.#clock.now);
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
        return this.#okSender.fire(this.#clock.now);
      case 'preempt':
        return this.#checkPreempt(true);
      case 'hold-end':
        return this.#rankSelf();
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
    this.#setLeader(undefined);
    this.#leaderMetadata = undefined;
    if (!keepWaitingOn) this.#higher.clearRound();
  }

  #beginCandidacy(reason: CandidacyReason, delayMs: number, failover = false): void {
    this.#preemption.roundBegins(false);
    this.#resetRound();
    this.#clearRoleTimers(); // and the challenger
    this.#roundOkWaitMs = failover ? this.#options.failoverOkWaitMs : this.#options.okWaitMs; // equal in go mode
    this.#transition('candidate', reason);
    if (delayMs > 0) {
      this.#timers.set('send-election', this.#clock.now + delayMs);
    } else {
      this.#sendElection();
    }
  }

  #sendElection(): void {
    // Held (resign({ holdMs })): no round of our own until the hold is over.
    const earliest = Math.max(this.#lastElectionSentAt + this.#options.minElectionGapMs, this.#standing.heldUntil);
    if (this.#clock.now < earliest) {
      this.#timers.set('send-election', earliest);
      return;
    }
    this.#lastElectionSentAt = this.#clock.now;
    this.#counters.elections++;
    this.#send('election');
    // Reaching here still a candidate means no higher node spoke during the skew.
    this.#timers.set('ok-wait', this.#clock.now + this.#roundOkWaitMs);
  }

  #enterWaiting(reason: WaitingReason, since = this.#clock.now): void {
    this.#clearRoleTimers();
    this.#timers.set('coordinator-wait', since + this.#options.coordinatorWaitMs);
    if (this.#role !== 'waiting') this.#transition('waiting', reason);
  }

  #becomeLeader(reason: LeaderReason): void {
    const term = this.#term.takeOffice();
    // A leader's COORDINATOR answers everyone: an OK still pending would make followers think a
    // round is under way.
    if (!this.#go) this.#okSender.cancel();
    this.#resetRound();
    this.#clearRoleTimers();
    this.#setLeader(this.#self);
    this.#leaderMetadata = this.#metadata.length > 0 ? this.#metadata : undefined;
    this.#fence.set(this.#self, term);
    this.#transition('leader', reason);
    this.#outbox.emit({ type: 'leader', term });
    this.#coordinatorSender.send(this.#clock.now);
  }

  /** A sitting leader moves to a newer term; it stays in office, so this is not a 'leader' event. */
  #raiseTerm(term: bigint, reason: TermReason): void {
    this.#term.raise(term, { answering: reason === 'election-at-our-term' });
    this.#fence.set(this.#self, term);
    this.#outbox.emit({ type: 'term', term, reason });
  }

  #follow(leader: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, reason: FollowerReason, heardAt = this.#clock.now): void {
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
    this.#term.learn(term);
    if (this.#role !== 'follower') {
      // The round is settled: earlier ELECTION/OK traffic from higher nodes must not make a
      // later leader failure wait for a COORDINATOR that this round already delivered.
      this.#higher.forgetActivity();
      this.#resetRound();
      this.#clearRoleTimers();
      this.#transition('follower', reason);
    }
    this.#setLeader(leader);
    this.#leaderMetadata = metadata;
    this.#leaderTimeout.heard(heardAt);
    if (changed) {
      this.#outbox.emit({ type: 'follower', leader: identityOf(leader), term, ...(metadata !== undefined && { metadata }) });
    }
    const failover = this.#lastFollowed !== undefined && !sameNode(this.#lastFollowed, leader) && comparePriority(this.#lastFollowed, leader) > 0;
    this.#lastFollowed = leader;
    if (failover && this.#nextInLine()) this.#okSender.sayNextInLine(this.#clock.now);
    this.#checkPreempt();
  }

  // ---- priority: preemption, handover, hold ------------------------------------------------------

  /** Our priority or hold changed: advertise it, and act on where we now rank. */
  #rankSelf(): void {
    this.#advertiseStanding();
    if (this.#role === 'follower') return this.#checkPreempt();
    if (this.#role !== 'leader' || this.#go) return;
    // Fallen below a node we know: office goes to it at once (a leader without preempt keeps it).
    const above = this.#options.preempt ? this.#knownNodes.highest({ aboveSelf: true }) : undefined;
    if (above) return this.#handOver(above);
    // Followers that now outrank us learn it from this answer rather than the next heartbeat.
    this.#coordinatorSender.answer(this.#clock.now);
  }

  #advertiseStanding(): void {
    this.#self = { ...this.#identity, priority: this.#standing.advertised(this.#clock.now) };
    this.#knownNodes.self = this.#self;
    if (this.#role === 'leader') this.#knownNodes.leader = this.#self;
  }

  /** Where we stand against our leader changed (see preemption.ts); `due`: its delay ran out. */
  #checkPreempt(due = false): void {
    const outranks = this.#role === 'follower' && this.#leader !== undefined && compareInstance(this.#self, this.#leader) > 0;
    if (this.#preemption.reconsider(this.#clock.now, outranks, due)) this.#takeOver();
  }

  /** One round that the leader we follow (and fenced) cannot pull us out of: we outrank it. */
  #takeOver(): void {
    this.#beginCandidacy('lower-leader', this.#knownNodes.skewMs());
    this.#preemption.roundBegins(true);
  }

  /**
   * Leaves office for `successor` (a RESIGN naming it; it takes office at once) and waits for its
   * COORDINATOR; with none named, or if it never announces, a round as after any RESIGN.
   */
  #handOver(successor: RankedNode | undefined): void {
    this.#sendResign(successor);
    this.#okSender.cancel();
    this.#resetRound();
    if (successor) this.#higher.expect(successor);
    this.#enterWaiting('handed-over');
  }

  /**
   * Twice: a follower that misses the only RESIGN waits out a whole detection bound. The copies
   * carry their own seq, so the replay filter keeps both; a second one is a no-op.
   */
  #sendResign(successor: RankedNode | undefined): void {
    this.#send('resign', successor);
    this.#send('resign', successor);
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
    if (this.#clock.now - this.#higher.lastHeardAt < this.#options.coordinatorWaitMs) {
      this.#enterWaiting('leader-timeout', this.#higher.lastHeardAt);
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
    this.#outbox.emit({ type: 'state', from, to, reason, term: this.#term.current });
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The leader in office (ourselves while leading): the known nodes protect it and the nodes below it. */
  #setLeader(leader: RankedNode | undefined): void {
    this.#leader = leader;
    this.#knownNodes.leader = leader;
  }

  #leaderIsFresh(): boolean {
    return this.#leader !== undefined && this.#leaderTimeout.isFresh(this.#clock.now);
  }

  #send(type: MessageType, successor?: RankedNode): void {
    const noSuccessor = type === 'coordinator' && !this.#go && this.#knownNodes.highest() === undefined;
    this.#outbox.send(type, this.#term.current, {
      priority: this.#go ? undefined : this.#self.priority,
      metadata: type === 'coordinator' && this.#metadata.length > 0 ? this.#metadata : undefined,
      successor: successor && identityOf(successor),
      flags: noSuccessor ? MESSAGE_FLAGS.NO_SUCCESSOR : 0,
    });
    this.#counters.messagesSent++;
  }
}
