// The CLI's stdout contract: one JSON object per line per transition.
import { performance } from 'node:perf_hooks';

export interface LeaderRef {
  readonly id: bigint;
  readonly address: string;
}

export interface EventLine {
  readonly time: number;
  readonly event: string;
  readonly id: string;
  readonly term: number | string;
  readonly leader: { readonly id: string; readonly address: string } | null;
}

/** Wall-clock milliseconds with sub-millisecond resolution, monotonic within a process. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function eventLine(event: string, ownId: bigint, term: bigint, leader: LeaderRef | undefined, time = preciseNow()): EventLine {
  return {
    time,
    event,
    id: ownId.toString(),
    // Terms stay far below 2^53 in practice; a larger one is printed as text rather than rounded.
    term: term <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(term) : term.toString(),
    leader: leader ? { id: leader.id.toString(), address: leader.address } : null,
  };
}

export function formatEventLine(line: EventLine): string {
  return JSON.stringify(line) + '\n';
}

/**
 * A reader of our stdout that goes away (EPIPE, e.g. `multibully interfaces | head -1`) must
 * not crash the process with an unhandled 'error': the first error is reported, later ones ignored.
 */
export function tolerateClosedStdout(onFirstError: (error: Error) => void = () => {}): void {
  process.stdout.once('error', onFirstError);
  process.stdout.on('error', () => {});
}
