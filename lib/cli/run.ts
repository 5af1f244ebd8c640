// `multibully --interface … --address … --id …`: one participant, JSON lines on stdout,
// hooks on transitions, a clean resignation on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { Participant, type LeaderInfo } from '../participant';
import type { Logger } from '../participant/logger';
import type { RunArgs } from './args';
import { HookRunner } from './hooks';
import { eventLine, formatEventLine, tolerateClosedStdout } from './output';
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
  const print = (event: string, leader: LeaderInfo | undefined): void =>
    write(formatEventLine(eventLine(event, args.id, participant.term, leader)));

  participant.on('state', ({ to }) => {
    // 'leader' and 'follower' are printed from their own events, which carry the leader.
    if (to !== 'leader' && to !== 'follower' && to !== 'stopped') print(to, participant.leader);
  });
  participant.on('leader', ({ term }) => {
    const self = { id: participant.self.id, address: participant.self.address };
    print('leader', self);
    void hooks.notify(hookContext('leader', args.id, term, self));
  });
  participant.on('follower', ({ leader, term }) => {
    print('follower', leader);
    void hooks.notify(hookContext('follower', args.id, term, leader));
  });
  participant.on('conflict', ({ other, reason }) => {
    logger.warn({ otherNonce: other.nonce.toString(), reason }, `another node also uses id ${other.id} on ${other.address}`);
    print('conflict', participant.leader);
  });
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

function hookContext(state: 'leader' | 'follower', id: bigint, term: bigint, leader: { id: bigint; address: string }) {
  return { state, id: id.toString(), term: term.toString(), leaderId: leader.id.toString(), leaderAddress: leader.address };
}

export type { Logger };
