// `multibully --interface … --address … --id …`: one participant, JSON lines on stdout, hooks on
// transitions, floating addresses that follow leadership, status on SIGUSR1 and in a file, and a
// clean resignation on SIGTERM/SIGINT/SIGHUP or when the parent process exits.
import { readFileSync } from 'node:fs';
import { Participant } from '../participant';
import type { Logger } from '../participant/logger';
import type { RunArgs } from './args';
import { commandProbe } from '../health';
import { prometheusText } from '../metrics';
import { HookRunner, type HookContext } from './hooks';
import { serveMetrics } from './metrics-server';
import { eventLine, formatEventLine, identityFields, leaderFields, tolerateClosedStdout, type ExtraFields, type LeaderRef } from './output';
import { watchParent } from './parent-watch';
import { onStatusSignal, onTerminationSignals } from './signals';
import { StatusFile, statusLine } from './status';
import { createStderrLogger } from './stderr-logger';
import { UsageError } from './usage';
import { readPeersFile, watchPeersFile } from './peers-file';
import { VipManager } from './vip';
import { followLeadership } from './vip-follow';

/** How long a signalled CLI may take to resign and exit (without stop hooks) before it exits anyway. */
const SHUTDOWN_DEADLINE_MS = 900;
/** At shutdown, a hook still running gets this long to finish before its process group is killed. */
const HOOK_GRACE_MS = 400;
/** After SIGTERM to a hook's process group, this long before SIGKILL. */
const HOOK_KILL_WAIT_MS = 200;
/** The stop hooks (--on-stop, --notify stopped) get at most this long, whatever --hook-timeout says. */
const STOP_HOOKS_MAX_MS = 5_000;

export async function runParticipant(args: RunArgs, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const logger = createStderrLogger(args.logLevel);
  // A reader of our stdout that goes away (EPIPE) must not take the election down with it.
  tolerateClosedStdout((error) => logger.warn({ err: error }, 'stdout is gone; events are no longer printed'));
  if (args.vips.length > 0) {
    // Before anything is opened: without the capabilities --vip cannot work, so do not start.
    try {
      VipManager.checkCapabilities();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const peers = args.peersFile === undefined ? args.peers : peersFromFile(args.peersFile);
  const participant = new Participant({
    address: args.address,
    ...(peers.length > 0 && { peers }),
    interface: args.interface,
    id: args.id,
    wire: args.wire,
    preempt: args.preempt,
    probeLeader: args.probeLeader,
    logger,
    ...(args.cluster !== undefined && { cluster: args.cluster }),
    ...(args.heartbeatMs !== undefined && { heartbeatMs: args.heartbeatMs }),
    ...(args.misses !== undefined && { misses: args.misses }),
    ...(args.secretFile !== undefined && { secret: readSecret(args.secretFile) }),
    ...(args.metadata !== undefined && { metadata: args.metadata }),
    ...(args.ttl !== undefined && { ttl: args.ttl }),
    ...(args.priority !== undefined && { priority: args.priority }),
    ...(args.preemptDelayMs !== undefined && { preemptDelayMs: args.preemptDelayMs }),
    ...(args.priorityFile !== undefined && { priorityFile: args.priorityFile }),
    ...(args.checks.length > 0 && { checks: args.checks.map(({ command, ...settings }) => ({ ...settings, run: commandProbe(command) })) }),
  });
  if (participant.group?.group === '224.0.0.0') {
    logger.warn({ group: '224.0.0.0' }, '224.0.0.0 is the reserved base address of the multicast range (RFC 5771); --wire go accepts it because the Go library\'s example uses it; prefer a group from 239.0.0.0/8');
  }
  const vip = args.vips.length === 0
    ? undefined
    : new VipManager({ interfaceIndex: participant.interface.index, interfaceName: participant.interface.name, vips: args.vips, logger });
  const vipAddresses = args.vips.map((v) => `${v.address}/${v.prefixLength}`);
  const hooks = new HookRunner(
    { leader: args.onLeader, follower: args.onFollower, fault: args.onFault, stopped: args.onStop, notify: args.notify },
    args.hookTimeoutMs,
    logger,
  );
  const statusFile = args.statusFile === undefined ? undefined : new StatusFile(args.statusFile, logger);
  let since: number | undefined;
  const status = () => statusLine(participant, { since, ...(vip && { vip: { addresses: vipAddresses, held: vip.held } }) });
  const writeStatus = (): void => statusFile?.write(status());
  // Before anything is started: a status file that cannot be written, or a metrics address that
  // cannot be bound, is a usage error (exit 2).
  statusFile?.writeFirst(status());
  const metrics = args.metrics && (await serveMetrics(args.metrics, () => prometheusText(participant), logger));
  const print = (event: string, leader: LeaderRef | undefined, extra?: ExtraFields): void => {
    const line = eventLine(event, args.id, participant.term, leader, undefined, extra);
    write(formatEventLine(line));
    if (event === 'conflict') return;
    since = line.time;
    writeStatus();
  };
  // First: the floating addresses go before anything else reacts to leaving office.
  if (vip) {
    followLeadership(participant, vip, logger);
    // Last resort for an exit that skips the shutdown below (an uncaught exception): the
    // removal is synchronous, so it still happens.
    process.once('exit', () => {
      if (vip.held) vip.release();
    });
  }
  reportTransitions(participant, { id: args.id, print, hooks, logger });
  participant.on('term', () => writeStatus());
  participant.on('health', () => writeStatus());
  participant.on('error', (error) => logger.error({ err: error }, 'participant error'));
  onStatusSignal(() => write(formatEventLine(status())));

  const stopHooksMs = hooks.hooks('stopped') ? Math.min(args.hookTimeoutMs, STOP_HOOKS_MAX_MS) : 0;
  let parentWatch: { stop(): void } | undefined;
  // Resign before anything else: the successor's takeover starts with our RESIGN. Only the
  // floating addresses go earlier, since the next leader may add them as soon as it hears it.
  // A few lines on their own: V8 compiles a function when it first runs (about 0.1 ms for the
  // rest of the shutdown, on a small VM), and the rest can wait until the RESIGN is out.
  const resign = (): Promise<void> => {
    if (vip) {
      try {
        vip.release();
      } catch (error) {
        logger.error({ err: error }, 'floating address: release failed');
      }
    }
    return participant.stop(); // the RESIGN is sent before this returns
  };
  const shutdown = (why: string): void => finishShutdown(why, resign());
  const finishShutdown = (why: string, stopped: Promise<void>): void => {
    logger.info({ signal: why }, 'stopping');
    const deadline = SHUTDOWN_DEADLINE_MS + stopHooksMs;
    let exitCode = 0;
    const exit = (): void => {
      hooks.killAll();
      process.exit(exitCode);
    };
    setTimeout(exit, deadline).unref();
    parentWatch?.stop();
    void (async () => {
      const hooksStopped = hooks.shutdown(HOOK_GRACE_MS, HOOK_KILL_WAIT_MS);
      try {
        await stopped;
        print('stopped', undefined);
      } catch (error) {
        logger.error({ err: error }, 'stop failed');
        exitCode = 1;
      }
      vip?.close();
      metrics?.close();
      await hooksStopped;
      if (stopHooksMs > 0) {
        const context: HookContext = { state: 'stopped', id: args.id.toString(), term: participant.term.toString(), leaderId: '', leaderAddress: '', reason: why, priority: String(participant.priority) };
        await hooks.runFinal(context, stopHooksMs);
      }
      exit();
    })();
  };
  // A second signal while resigning (an impatient operator, a supervisor's repeat) changes nothing.
  let stopping = false;
  onTerminationSignals(
    (signal) => {
      if (stopping) return logger.info({ signal }, 'already stopping');
      stopping = true;
      shutdown(signal);
    },
    (signal) => logger.info({ signal }, 'already stopping'),
  );
  if (args.parentWatch) {
    // npx or a supervisor died without passing the signal on: do not stay behind as a ghost leader.
    parentWatch = watchParent((parent, now) => {
      if (stopping) return;
      stopping = true;
      logger.warn({ parent, now }, `the parent process (pid ${parent}) exited; resigning and exiting`);
      shutdown('parent-exited');
    });
  }

  // A leftover of a run that was killed (SIGKILL, OOM) must not stay on a node that does not lead.
  vip?.release();
  await participant.start();
  writeStatus();
  logger.info({ interface: participant.interface.name, address: participant.self.address }, 'running');
  if (args.peersFile !== undefined) {
    const file = args.peersFile;
    const watch = watchPeersFile(file, peers, (list) => {
      try {
        participant.setPeers(list);
        writeStatus();
      } catch (error) {
        logger.error({ err: error, file }, `the peers file ${file} is not a valid list; the list in force stays: ${(error as Error).message}`);
      }
    }, (message) => logger.error({ file }, `${message}; the list in force stays`));
    onStopped(participant, () => watch.close());
  }
}

/** Runs `then` once the participant has stopped. */
function onStopped(participant: Participant, then: () => void): void {
  const listener = ({ to }: { to: string }): void => {
    if (to !== 'stopped') return;
    participant.off('state', listener);
    then();
  };
  participant.on('state', listener);
}

function readSecret(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError(`--secret-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Files written by `echo` end in a newline that is not part of the secret.
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0a) bytes = bytes.subarray(0, bytes.length - 1);
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
  if (bytes.length === 0) throw new UsageError(`--secret-file: ${file} is empty`);
  return bytes;
}

/** What reportTransitions needs of a Participant (a plain EventEmitter in unit tests). */
export type ReportedParticipant = Pick<Participant, 'on' | 'leader' | 'self' | 'interface'> & Partial<Pick<Participant, 'priority'>>;

export interface TransitionSinks {
  /** Our own id. */
  readonly id: bigint;
  /** Prints one stdout line (the term is the participant's current one). */
  readonly print: (event: string, leader: LeaderRef | undefined, extra?: ExtraFields) => void;
  readonly hooks: Pick<HookRunner, 'notify' | 'supersede'>;
  readonly logger: Logger;
}

/**
 * Turns the participant's events into stdout lines and hooks: one line per transition, hooks on
 * taking office, on following a (new) leader and on entering fault. Not transitions, so neither
 * printed nor hooked: a sitting leader raising its term ('term'). The participant logs faults and
 * conflicts itself (one warn each); the CLI only prints their lines. Stopping is printed and
 * hooked by the shutdown, once stop() has resolved.
 */
export function reportTransitions(participant: ReportedParticipant, { id, print, hooks, logger }: TransitionSinks): void {
  // Every leader is on the election NIC: a link-local one is printed and hooked with it as its zone.
  const zoned = (leader: LeaderRef | undefined): LeaderRef | undefined => leader && { ...leader, zone: participant.interface.name };
  const priorityOf = (): { priority?: string } => (participant.priority === undefined ? {} : { priority: String(participant.priority) });
  participant.on('state', ({ to, reason, term }) => {
    // 'leader' and 'follower' are printed from their own events, which carry the leader.
    if (to === 'leader' || to === 'follower') return;
    if (to === 'fault') {
      print('fault', undefined, { reason });
      // Replaces a waiting leader/follower hook: only the latest state is hooked.
      void hooks.notify({ state: 'fault', id: id.toString(), term: term.toString(), leaderId: '', leaderAddress: '', reason, ...priorityOf() });
      return;
    }
    // A hook waiting for a state we have left is stale: only the latest state is hooked.
    hooks.supersede(to);
    if (to === 'stopped') return; // printed once stop() has resolved
    // Leaving fault is a 'candidate' line like any other.
    print(to, zoned(participant.leader));
  });
  participant.on('leader', ({ term }) => {
    // Only on taking office: a sitting leader raising its term emits 'term' instead. Its own
    // leader info carries the metadata it sends.
    const self = zoned(participant.leader ?? { id: participant.self.id, address: participant.self.address })!;
    print('leader', self);
    void hooks.notify({ ...hookContext('leader', id, term, self), ...priorityOf() });
  });
  participant.on('term', ({ term, reason }) => {
    // Fencing while in office: no line, no hook; the leader line and hook of taking office stand.
    logger.debug({ term, reason }, 'still leader with a raised term');
  });
  participant.on('follower', ({ leader, term }) => {
    print('follower', zoned(leader));
    void hooks.notify({ ...hookContext('follower', id, term, zoned(leader)!), ...priorityOf() });
  });
  participant.on('conflict', ({ other }) => {
    // One line per event (they repeat, rate-limited, while the conflict lasts), naming the other.
    print('conflict', zoned(participant.leader), { other: identityFields(other) });
  });
}

function hookContext(state: 'leader' | 'follower', id: bigint, term: bigint, leader: LeaderRef): HookContext {
  const { id: leaderId, address: leaderAddress, metadata, metadataEncoding } = leaderFields(leader);
  return {
    state, id: id.toString(), term: term.toString(), leaderId, leaderAddress,
    ...(metadata !== undefined && { leaderMetadata: metadata, leaderMetadataEncoding: metadataEncoding }),
  };
}

export type { Logger };

/** --peers-file at start: a file that cannot be read or lists nobody is a usage error (never multicast instead). */
function peersFromFile(path: string): string[] {
  try {
    return readPeersFile(path);
  } catch (error) {
    throw new UsageError(`--peers-file: ${(error as Error).message}`);
  }
}
