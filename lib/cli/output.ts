// The CLI's stdout contract: one JSON object per line per transition:
//   {"time","event","id","term","leader"}
// `event` is candidate | waiting | leader | follower | fault | conflict | stopped. Ids and terms
// are decimal text (they are unsigned 64-bit). `leader` is {"id","address"} plus, when the leader
// sends metadata, "metadata" and "metadataEncoding" (utf8, or base64 for bytes that are not
// UTF-8); a link-local IPv6 address carries the election NIC as its zone (fe80::1%eth0). A fault line
// adds "reason" (nic-down, nic-no-address, nic-gone, send-failing); a conflict line adds
// "other": {"id","address","nonce"}, the other instance using our id and address (one line per
// conflict event: they repeat, rate-limited, while the conflict lasts). A sitting leader raising
// its term (fencing) prints nothing: the line on taking office stands.
import { performance } from 'node:perf_hooks';
import { needsScope } from '../address';
import { metadataText, type MetadataEncoding } from '../participant/metadata-text';

export interface LeaderRef {
  readonly id: bigint;
  readonly address: string;
  readonly metadata?: Uint8Array | undefined;
  /** The NIC a link-local address is reached through (the election NIC), printed as its zone. */
  readonly zone?: string | undefined;
}

/** A leader as the lines, the status and the hooks show it. */
export interface LeaderFields {
  readonly id: string;
  readonly address: string;
  readonly metadata?: string;
  readonly metadataEncoding?: MetadataEncoding;
}

export function leaderFields({ id, address, metadata, zone }: LeaderRef): LeaderFields {
  const reachable = zone !== undefined && needsScope(address) ? `${address}%${zone}` : address;
  if (metadata === undefined) return { id: id.toString(), address: reachable };
  const { text, encoding } = metadataText(metadata);
  return { id: id.toString(), address: reachable, metadata: text, metadataEncoding: encoding };
}

export interface EventLine {
  readonly time: number;
  readonly event: string;
  readonly id: string;
  readonly term: string;
  readonly leader: LeaderFields | null;
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
    // Text like the ids: one type whatever its size (a number would turn into text above 2^53).
    term: term.toString(),
    leader: leader ? leaderFields(leader) : null,
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
