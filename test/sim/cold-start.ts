// Cold start at scale: N nodes start (no leader yet) the way processes start them: in bursts,
// several participants per process, processes a little apart; or all in one heartbeat. Counts
// every ELECTION/OK/COORDINATOR, the leader/follower events, and any leader change after the
// cluster first agreed.
import type { MessageType } from '../../lib/core/types';
import { Simulator, type ElectionConfig } from './simulator';

export type StartPattern = 'processes' | 'uniform' | 'together' | 'top-down';

export interface ColdStartMeasurement {
  readonly nodes: number;
  readonly messages: Record<MessageType, number>;
  /** ELECTION + OK + COORDINATOR up to agreement + settleMs (heartbeats after agreement excluded). */
  readonly electionTraffic: number;
  /** leader/follower events until agreement. */
  readonly events: number;
  /** leader/follower events in the settle period after agreement. */
  readonly eventsAfterAgreement: number;
  readonly agreedAtMs: number | undefined;
  /** With `crashes`: ELECTION + OK from each crash of the top live node until the survivors agree. */
  readonly failoverTraffic?: number[];
  readonly failoverAgreedAfterMs?: number[];
}

export function measureColdStart(options: {
  nodes: number;
  seed: number;
  pattern: StartPattern;
  config?: ElectionConfig;
  /** Largest one-way delay; a busy event loop looks like a long delay. Default 2 ms. */
  maxDelayMs?: number;
  settleMs?: number;
  /** 'processes': the processes start within this many heartbeats of the first. Default 1. */
  spreadHeartbeats?: number;
  /** 'processes': how far apart a process starts its participants (ms). Default 0.1. */
  staggerMs?: number;
  /** After the settle period, crash the top live node this many times (a settle period apart) and measure each failover. */
  crashes?: number;
}): ColdStartMeasurement {
  const config: ElectionConfig = options.config ?? { heartbeatMs: 100 };
  const heartbeatMs = config.heartbeatMs ?? 100;
  const settleMs = options.settleMs ?? 2_000;
  let events = 0;
  let eventsAfter = 0;
  let agreedAt: number | undefined;
  const sim = new Simulator({
    seed: options.seed,
    nodes: Array.from({ length: options.nodes }, (_, i) => ({
      id: BigInt(i + 1),
      address: `10.77.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`,
    })),
    config,
    faults: { lossRate: 0, duplicateRate: 0, minDelayMs: 0.05, maxDelayMs: options.maxDelayMs ?? 2 },
    onEvent: (_index, event) => {
      if (event.type !== 'leader' && event.type !== 'follower') return;
      if (agreedAt === undefined) events++;
      else eventsAfter++;
    },
  });
  const n = options.nodes;
  const top = n - 1;
  let lastStart = 0;
  const startAt = (at: number, index: number): void => {
    lastStart = Math.max(lastStart, at);
    sim.at(at, () => sim.start(index));
  };
  if (options.pattern === 'processes') {
    // Six processes: the top id alone in one, the rest spread over five; each process starts its
    // participants back to back (≈ 0.1 ms apart), the processes up to spreadHeartbeats apart.
    const processes = 6;
    const offsets = Array.from({ length: processes }, () => sim.random() * (options.spreadHeartbeats ?? 1) * heartbeatMs);
    startAt(offsets[0]!, top);
    for (let i = 0; i < n - 1; i++) {
      const p = 1 + (i % (processes - 1));
      startAt(offsets[p]! + Math.floor(i / (processes - 1)) * (options.staggerMs ?? 0.1), i);
    }
  } else if (options.pattern === 'top-down') {
    // The worst order for who-knows-whom: each node starts after every node above it.
    for (let i = n - 1; i >= 0; i--) startAt((n - 1 - i) * (options.staggerMs ?? 0.1), i);
  } else {
    for (let i = 0; i < n; i++) {
      const at = options.pattern === 'uniform' ? sim.random() * heartbeatMs : sim.random() * 0.5;
      startAt(at, i);
    }
  }
  const limit = 40 * heartbeatMs;
  while (sim.now < limit && agreedAt === undefined) {
    sim.runUntil(sim.now + 1);
    if (sim.now > lastStart && sim.agreement(true).length === 0) agreedAt = sim.now;
  }
  const atAgreement = { ...sim.sent };
  if (agreedAt !== undefined) sim.runUntil(agreedAt + settleMs);
  // Heartbeats after agreement are not election traffic: count COORDINATOR only up to agreement.
  const messages = { ...atAgreement } as Record<MessageType, number>;
  messages.election = sim.sent.election;
  messages.ok = sim.sent.ok;
  const electionTraffic = messages.election + messages.ok + messages.coordinator;
  const result = { nodes: n, messages, electionTraffic, events, eventsAfterAgreement: eventsAfter, agreedAtMs: agreedAt };
  if (!options.crashes || agreedAt === undefined) return result;
  const failoverTraffic: number[] = [];
  const failoverAgreedAfterMs: number[] = [];
  for (let c = 0; c < options.crashes; c++) {
    const before = sim.sent.election + sim.sent.ok;
    const crashedAt = sim.now;
    sim.crash(top - c);
    while (sim.now < crashedAt + limit && (sim.now < crashedAt + heartbeatMs || sim.agreement(true).length > 0)) sim.runUntil(sim.now + 1);
    failoverTraffic.push(sim.sent.election + sim.sent.ok - before);
    failoverAgreedAfterMs.push(sim.now - crashedAt);
    sim.runUntil(sim.now + settleMs);
  }
  return { ...result, failoverTraffic, failoverAgreedAfterMs };
}
