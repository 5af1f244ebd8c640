// The CLI's stdout contract: one JSON object per line per transition:
//   {"time","event","id","term","leader"}
// `event` is candidate | waiting | leader | follower | fault | conflict | stopped. A fault line
// adds "reason" (nic-down, nic-no-address, nic-gone, send-failing); a conflict line adds
// "other": {"id","address","nonce"}, the other instance using our id and address (one line per
// conflict event: they repeat, rate-limited, while the conflict lasts). A sitting leader raising
// its term (fencing) prints nothing: the line on taking office stands.
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
  /** Event-specific fields (a fault's reason, a conflict's other instance), after the common ones. */
  readonly [extra: string]: unknown;
}

/** Extra fields of a line; bigints are printed as decimal text. */
export type ExtraFields = Readonly<Record<string, unknown>>;

/** Wall-clock milliseconds with sub-millisecond resolution, monotonic within a process. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function eventLine(event: string, ownId: bigint, term: bigint, leader: LeaderRef | undefined, time = preciseNow(), extra: ExtraFields = {}): EventLine {
  const line: EventLine = {
    time,
    event,
    id: ownId.toString(),
    // Terms stay far below 2^53 in practice; a larger one is printed as text rather than rounded.
    term: term <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(term) : term.toString(),
    leader: leader ? { id: leader.id.toString(), address: leader.address } : null,
  };
  // Extra fields follow the common ones and never replace them.
  const extras = Object.entries(withTextBigints(extra)).filter(([key]) => !COMMON_FIELDS.has(key));
  return extras.length === 0 ? line : { ...line, ...Object.fromEntries(extras) };
}

const COMMON_FIELDS = new Set(['time', 'event', 'id', 'term', 'leader']);

/** The other instance of a conflict, as printed: ids and nonces as decimal text. */
export function identityFields(node: { readonly id: bigint; readonly address: string; readonly nonce: bigint }): { id: string; address: string; nonce: string } {
  return { id: node.id.toString(), address: node.address, nonce: node.nonce.toString() };
}

function withTextBigints(fields: ExtraFields): Record<string, unknown> {
  return JSON.parse(JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))) as Record<string, unknown>;
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
