// nft scripts for packet faults. This kernel has nft but no netem, so loss and duplication are
// nft rules; each script replaces its whole table atomically (`nft -f -`), built from the
// current desired state, so setting/clearing one device never disturbs another.
import type { Dev } from './names';

/** Mark on duplicated frames so the copy is not duplicated again when it re-enters the egress hook. */
const DUP_MARK = '0x4d42';

export const LOSS_TABLE = 'mbfault';
export const PARTITION_TABLE = 'mbpartition';
export const NO_MULTICAST_TABLE = 'mbnomcast';

export function dupTable(dev: Dev): string {
  return `mbdup_${dev}`;
}

export function checkPercent(percent: number, what: string): void {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`${what}: percent must be a number from 0 to 100, got ${String(percent)}`);
  }
}

/** `numgen random mod 100 < N`; percent is rounded to whole percent (nft has no fractions). 100 matches always. */
function chance(percent: number): string {
  const whole = Math.round(percent);
  return whole >= 100 ? '' : ` numgen random mod 100 < ${whole}`;
}

/** Replaces `table inet mbfault`: UDP dropped both on receive (input) and send (output) of each lossy device. */
export function lossScript(lossByDev: ReadonlyMap<Dev, number>): string {
  const lines = [`table inet ${LOSS_TABLE}`, `delete table inet ${LOSS_TABLE}`];
  const active = [...lossByDev].filter(([, percent]) => Math.round(percent) > 0);
  if (active.length > 0) {
    lines.push(`table inet ${LOSS_TABLE} {`);
    lines.push('  chain lossin {', '    type filter hook input priority 0; policy accept;');
    for (const [dev, percent] of active) lines.push(`    iifname "${dev}" meta l4proto udp${chance(percent)} drop`);
    lines.push('  }');
    lines.push('  chain lossout {', '    type filter hook output priority 0; policy accept;');
    for (const [dev, percent] of active) lines.push(`    oifname "${dev}" meta l4proto udp${chance(percent)} drop`);
    lines.push('  }', '}');
  }
  return lines.join('\n') + '\n';
}

/**
 * Replaces `table netdev mbdup_<dev>`: a copy of N% of the UDP frames the host sends on dev
 * (egress hook, `dup to` the same device). Receive-side duplication is not possible with nft:
 * `dup to` always transmits.
 */
export function duplicateScript(dev: Dev, percent: number): string {
  const table = dupTable(dev);
  const lines = [`table netdev ${table}`, `delete table netdev ${table}`];
  if (Math.round(percent) > 0) {
    lines.push(
      `table netdev ${table} {`,
      '  chain dupout {',
      `    type filter hook egress device "${dev}" priority 0; policy accept;`,
      `    meta l4proto udp meta mark != ${DUP_MARK}${chance(percent)} meta mark set ${DUP_MARK} dup to "${dev}"`,
      '  }',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Replaces `table inet mbnomcast`: every IPv4 multicast datagram (224.0.0.0/4) and every IPv6 one
 * (ff00::/8) except ICMPv6 that arrives on each listed device is dropped (input hook), as on a
 * network that carries no multicast. Sending still works (a drop on output would fail the send
 * with EPERM, which no real network does); the kernel's loopback copy of the host's own sends is
 * dropped too. ICMPv6 stays: neighbour discovery goes to solicited-node groups, and IPv6 unicast
 * needs it. The rules count what they drop (see multicastDropCount).
 */
export function multicastDropScript(devs: ReadonlySet<Dev>): string {
  const lines = [`table inet ${NO_MULTICAST_TABLE}`, `delete table inet ${NO_MULTICAST_TABLE}`];
  if (devs.size > 0) {
    lines.push(`table inet ${NO_MULTICAST_TABLE} {`, '  chain mcastin {', '    type filter hook input priority -10; policy accept;');
    for (const dev of devs) {
      lines.push(`    iifname "${dev}" ip daddr 224.0.0.0/4 counter drop`);
      lines.push(`    iifname "${dev}" ip6 daddr ff00::/8 meta l4proto != ipv6-icmp counter drop`);
    }
    lines.push('  }', '}');
  }
  return lines.join('\n') + '\n';
}

/** Sums the packet counters of `nft -j list table inet mbnomcast` output (0 when the table is absent). */
export function multicastDropCount(nftJson: string): number {
  let parsed: { nftables?: Array<{ rule?: { expr?: Array<{ counter?: { packets?: number } }> } }> };
  try {
    parsed = JSON.parse(nftJson) as typeof parsed;
  } catch {
    return 0;
  }
  let packets = 0;
  for (const item of parsed.nftables ?? []) {
    for (const expr of item.rule?.expr ?? []) packets += expr.counter?.packets ?? 0;
  }
  return packets;
}

/** A pair of switch-port sets that must not exchange frames (both directions are dropped). */
export interface PortCut {
  a: string[];
  b: string[];
}

/** Replaces `table bridge mbpartition` in the switch namespace. */
export function partitionScript(cuts: readonly PortCut[]): string {
  const lines = [`table bridge ${PARTITION_TABLE}`, `delete table bridge ${PARTITION_TABLE}`];
  if (cuts.length > 0) {
    const set = (ports: string[]): string => `{ ${ports.map((p) => `"${p}"`).join(', ')} }`;
    lines.push(`table bridge ${PARTITION_TABLE} {`, '  chain cut {', '    type filter hook forward priority 0; policy accept;');
    for (const cut of cuts) {
      lines.push(`    iifname ${set(cut.a)} oifname ${set(cut.b)} drop`);
      lines.push(`    iifname ${set(cut.b)} oifname ${set(cut.a)} drop`);
    }
    lines.push('  }', '}');
  }
  return lines.join('\n') + '\n';
}
