// Invariant (d): messages per failover. A stable cluster of N nodes (ids 1..N), the leader is
// crashed (or stopped cleanly), and every message multicast from that moment until all live
// nodes agree on the new leader is counted, by type. COORDINATOR includes the new leader's
// announcements and any heartbeat it sends before the last follower switches (counted, not excluded).
import type { MessageType } from '../../lib/core/types';
import { Simulator, type ElectionConfig } from './simulator';

export interface FailoverMeasurement {
  readonly nodes: number;
  readonly messages: Record<MessageType, number>;
  readonly total: number;
  /** From the crash until every live node agrees, ms of simulated time. */
  readonly failoverMs: number;
  readonly converged: boolean;
}

export function measureFailover(options: {
  nodes: number;
  seed: number;
  config?: ElectionConfig;
  lossRate?: number;
  how?: 'crash' | 'stop';
}): FailoverMeasurement {
  const config: ElectionConfig = options.config ?? { heartbeatMs: 100 };
  const heartbeatMs = config.heartbeatMs ?? 100;
  const sim = new Simulator({
    seed: options.seed,
    nodes: Array.from({ length: options.nodes }, (_, i) => ({ id: BigInt(i + 1), address: `10.77.1.${(i % 250) + 1}` })),
    config,
    faults: { lossRate: 0, duplicateRate: 0, minDelayMs: 0.1, maxDelayMs: 1 },
  });
  for (let i = 0; i < options.nodes; i++) sim.at(sim.random() * heartbeatMs, () => sim.start(i));
  sim.runUntil(15 * heartbeatMs);
  if (sim.agreement(true).length > 0) throw new Error(`cluster did not form: ${sim.agreement(true).join('; ')}`);

  const leader = sim.views().find((v) => v.role === 'leader')!.index;
  const before = { ...sim.sent };
  const crashAt = sim.now + heartbeatMs / 2;
  sim.at(crashAt, () => {
    sim.setFaults({ lossRate: options.lossRate ?? 0 });
    if (options.how === 'stop') sim.stop(leader);
    else sim.crash(leader);
  });
  sim.runUntil(crashAt);
  const limit = crashAt + 100 * heartbeatMs;
  let converged = false;
  while (sim.now < limit) {
    sim.runUntil(sim.now + 1);
    if (sim.agreement(true).length === 0) {
      converged = true;
      break;
    }
  }
  const messages = { election: 0, ok: 0, coordinator: 0, resign: 0 } as Record<MessageType, number>;
  for (const type of Object.keys(messages) as MessageType[]) messages[type] = sim.sent[type] - before[type];
  const total = Object.values(messages).reduce((a, b) => a + b, 0);
  return { nodes: options.nodes, messages, total, failoverMs: sim.now - crashAt, converged };
}
