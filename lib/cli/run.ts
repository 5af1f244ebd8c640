// `multibully --interface … --address … --id …`: one participant, JSON lines on stdout,
// hooks on transitions, a clean resignation on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { Participant } from '../participant';
import type { Logger } from '../participant/logger';
import type { RunArgs } from './args';
import { HookRunner } from './hooks';
import { eventLine, formatEventLine, identityFields, tolerateClosedStdout, type ExtraFields, type LeaderRef } from './output';
import { onTerminationSignals } from './signals';
import { createStderrLogger } from './stderr-logger';
import { UsageError } from './usage';

/** How long a signalled CLI may take to resign and exit before it exits anyway. */
const SHUTDOWN_DEADLINE_MS = 900;

export async function runParticipant(args: RunArgs, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const logger = createStderrLogger(args.logLevel);
  // A reader of our stdout that goes away (EPIPE) must not take the election down with it.
  tolerateClosedStdout((error) => logger.warn({ err: error }, 'stdout is gone; events are no longer printed'));
  const participant = new Participant({
    address: args.address,
    interface: args.interface,
    id: args.id,
    wire: args.wire,
    preempt: args.preempt,
    logger,
    ...(args.cluster !== undefined && { cluster: args.cluster }),
    ...(args.heartbeatMs !== undefined && { heartbeatMs: args.heartbeatMs }),
    ...(args.misses !== undefined && { misses: args.misses }),
    ...(args.secretFile !== undefined && { secret: readSecret(args.secretFile) }),
    ...(args.metadata !== undefined && { metadata: args.metadata }),
    ...(args.ttl !== undefined && { ttl: args.ttl }),
  });
  const hooks = new HookRunner({ leader: args.onLeader, follower: args.onFollower }, args.hookTimeoutMs, logger);
  const print = (event: string, leader: LeaderRef | undefined, extra?: ExtraFields): void =>
    write(formatEventLine(eventLine(event, args.id, participant.term, leader, undefined, extra)));
  reportTransitions(participant, { id: args.id, print, hooks, logger });
  participant.on('error', (error) => logger.error({ err: error }, 'participant error'));

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
    hooks.killAll();
    participant.stop().then(
      () => {
        print('stopped', undefined);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  // A second signal while resigning (an impatient operator, a supervisor's repeat) changes nothing.
  onTerminationSignals(shutdown, (signal) => logger.info({ signal }, 'already stopping'));

  await participant.start();
  logger.info({ interface: participant.interface.name, address: participant.self.address }, 'running');
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
export type ReportedParticipant = Pick<Participant, 'on' | 'leader' | 'self'>;

export interface TransitionSinks {
  /** Our own id. */
  readonly id: bigint;
  /** Prints one stdout line (the term is the participant's current one). */
  readonly print: (event: string, leader: LeaderRef | undefined, extra?: ExtraFields) => void;
  readonly hooks: Pick<HookRunner, 'notify' | 'supersede'>;
  readonly logger: Logger;
}

/**
 * Turns the participant's events into stdout lines and hooks: one line per transition, hooks
 * only on taking office and on following a (new) leader. Not transitions, so neither printed
 * nor hooked: a sitting leader raising its term ('term'). The participant logs faults and
 * conflicts itself (one warn each); the CLI only prints their lines.
 */
export function reportTransitions(participant: ReportedParticipant, { id, print, hooks, logger }: TransitionSinks): void {
  participant.on('state', ({ to, reason }) => {
    // 'leader' and 'follower' are printed from their own events, which carry the leader.
    if (to === 'leader' || to === 'follower') return;
    // A hook waiting for a state we have left is stale: only the latest state is hooked.
    hooks.supersede(to);
    if (to === 'stopped') return; // printed once stop() has resolved
    // Leaving fault is a 'candidate' line like any other.
    if (to === 'fault') print('fault', undefined, { reason });
    else print(to, participant.leader);
  });
  participant.on('leader', ({ term }) => {
    // Only on taking office: a sitting leader raising its term emits 'term' instead.
    const self = { id: participant.self.id, address: participant.self.address };
    print('leader', self);
    void hooks.notify(hookContext('leader', id, term, self));
  });
  participant.on('term', ({ term, reason }) => {
    // Fencing while in office: no line, no hook; the leader line and hook of taking office stand.
    logger.debug({ term, reason }, 'still leader with a raised term');
  });
  participant.on('follower', ({ leader, term }) => {
    print('follower', leader);
    void hooks.notify(hookContext('follower', id, term, leader));
  });
  participant.on('conflict', ({ other }) => {
    // One line per event (they repeat, rate-limited, while the conflict lasts), naming the other.
    print('conflict', participant.leader, { other: identityFields(other) });
  });
}

function hookContext(state: 'leader' | 'follower', id: bigint, term: bigint, leader: { id: bigint; address: string }) {
  return { state, id: id.toString(), term: term.toString(), leaderId: leader.id.toString(), leaderAddress: leader.address };
}

export type { Logger };
