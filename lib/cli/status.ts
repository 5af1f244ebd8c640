// Status on demand: SIGUSR1 prints one "status" line on stdout, and --status-file PATH holds the
// same object, rewritten atomically (a temporary file in the same directory, then rename) on
// every transition, so a reader never sees half a file.
//   {"time","event":"status","id","term","leader","state","since","pid","interface","group",
//    "timers","counters":{"sent","sendFailures","received","elections","dropped":{reason: n}},
//    "priority", "checks":[{"name","state","weight","successes","failures","lastError"}],
//    "vip":{"addresses":[…],"held":bool}}   (checks only with --check or --priority-file, vip only with --vip)
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatGroupAddress } from '../address';
import type { Participant } from '../participant';
import type { Logger } from '../participant/logger';
import { eventLine, formatEventLine, type EventLine } from './output';
import { UsageError } from './usage';

/** What a status line is made of (a Participant, or a stand-in in unit tests). */
export type StatusSource = Pick<Participant, 'state' | 'leader' | 'term' | 'self' | 'interface' | 'group' | 'timers' | 'counters'> &
  Partial<Pick<Participant, 'priority' | 'checks' | 'peers'>>;

export interface StatusExtras {
  /** When the last transition happened (the time of its stdout line), or undefined before any. */
  readonly since?: number | undefined;
  readonly vip?: { readonly addresses: readonly string[]; readonly held: boolean } | undefined;
}

export function statusLine(participant: StatusSource, extras: StatusExtras = {}, time?: number): EventLine {
  const { name, index, address } = participant.interface;
  const counters = participant.counters;
  const leader = participant.leader && { ...participant.leader, zone: name };
  return eventLine('status', participant.self.id, participant.term, leader, time, {
    state: participant.state,
    since: extras.since ?? null,
    pid: process.pid,
    interface: { name, index, address },
    // With peers: no group; the peers as listed.
    group: participant.group ? formatGroupAddress(participant.group) : null,
    ...(participant.peers !== undefined && { peers: participant.peers }),
    timers: participant.timers,
    counters: {
      sent: counters.sent,
      sendFailures: counters.sendFailures,
      ...(participant.peers !== undefined && { peerUnreachable: counters.peerUnreachable }),
      received: counters.received,
      elections: counters.elections,
      dropped: counters.dropped,
    },
    ...(participant.priority !== undefined && { priority: participant.priority }),
    ...(participant.checks !== undefined && participant.checks.length > 0 && { checks: participant.checks.map((check) => ({ ...check, lastError: check.lastError ?? null })) }),
    ...(extras.vip !== undefined && { vip: { addresses: [...extras.vip.addresses], held: extras.vip.held } }),
  });
}

/** Replaces `path` with `text` in one rename: readers see the old file or the new one, never a mix. */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * --status-file: the first write, at start, must work (a usage error otherwise: a path that can
 * never be written is a mistake, not a passing failure); later writes replace the file, and a
 * failure is warned about once until a write succeeds.
 */
export class StatusFile {
  #failing = false;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  writeFirst(line: EventLine): void {
    try {
      writeFileAtomically(this.path, formatEventLine(line));
    } catch (error) {
      throw new UsageError(`--status-file ${this.path}: cannot write it: ${whyUnwritable(this.path, error)}`);
    }
  }

  write(line: EventLine): void {
    try {
      writeFileAtomically(this.path, formatEventLine(line));
    } catch (error) {
      if (!this.#failing) this.logger.warn({ err: error, path: this.path }, 'cannot write the status file; retrying on every transition (further failures are logged at debug)');
      else this.logger.debug({ err: error, path: this.path }, 'cannot write the status file');
      this.#failing = true;
      return;
    }
    if (this.#failing) this.logger.info({ path: this.path }, 'the status file is written again');
    this.#failing = false;
  }
}

function whyUnwritable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const directory = dirname(path);
  if (code === 'ENOENT' && !existsSync(directory)) return `the directory ${directory} does not exist (ENOENT)`;
  if (code === 'ENOTDIR' || (existsSync(directory) && !statSync(directory).isDirectory())) return `${directory} is not a directory (ENOTDIR)`;
  if (code === 'EISDIR') return 'it is a directory (EISDIR)';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `${directory} is not writable for this user (${code})`;
  return code ?? (error as Error).message;
}
