// `multibully demo`: three participants on the loopback interface in this one process. It
// shows an election, stops the leader to show the handover, then stops everything. Loopback
// traffic never leaves the host, so the demo is safe on any machine.
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Participant } from '../participant';
import { listInterfaces } from '../socket';
import { createStderrLogger, type LogLevel } from './stderr-logger';

const GROUP = '239.255.77.77';
const NODE_IDS = [1n, 2n, 3n];
const HEARTBEAT_MS = 50;
const CONVERGE_TIMEOUT_MS = 5_000;
const STEADY_MS = 1_500;

export interface DemoOptions {
  readonly logLevel?: LogLevel;
  readonly write?: (text: string) => void;
}

/** Runs the demo; resolves with the exit status. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const logger = createStderrLogger(options.logLevel ?? 'warn');
  const loopback = listInterfaces().find((nic) => nic.flags.loopback && nic.addresses.some((a) => a.family === 4));
  if (!loopback) {
    write('multibully demo: no loopback interface with an IPv4 address was found.\n');
    return 1;
  }
  // A random port and cluster keep two demos (or a demo and a test) from hearing each other.
  const port = randomInt(20_000, 60_000);
  const cluster = `demo-${randomBytes(4).toString('hex')}`;
  const origin = performance.now();
  const say = (text: string): void => write(`[${((performance.now() - origin) / 1000).toFixed(3)} s] ${text}\n`);

  write(`multibully demo: ${NODE_IDS.length} participants on ${loopback.name}, group ${GROUP}:${port}, heartbeat ${HEARTBEAT_MS} ms\n`);
  if (!loopback.flags.multicast) {
    write(`note: ${loopback.name} has no MULTICAST flag; Linux usually loops group traffic back anyway.\n`);
  }
  const nodes = NODE_IDS.map((id) => {
    const node = new Participant({ address: `${GROUP}:${port}`, interface: loopback.name, id, cluster, heartbeatMs: HEARTBEAT_MS, logger });
    node.on('state', ({ from, to, reason }) => {
      if (to !== 'leader' && to !== 'follower') say(`node ${id}: ${from} → ${to} (${reason})`);
    });
    node.on('leader', ({ term }) => say(`node ${id}: LEADER, term ${term}`));
    node.on('follower', ({ leader, term }) => say(`node ${id}: follows node ${leader.id} at ${leader.address}, term ${term}`));
    node.on('error', (error) => say(`node ${id}: error ${error.message}`));
    return node;
  });

  try {
    for (const node of nodes) await node.start();
    const first = await waitForAgreement(nodes, 3n);
    if (first === undefined) {
      write(
        `\nThe participants did not converge within ${CONVERGE_TIMEOUT_MS / 1000} s: they cannot hear each other on ${loopback.name}.\n` +
          `Multicast on loopback may be disabled here. As root: ip link set ${loopback.name} multicast on\n`,
      );
      return 1;
    }
    write(`\nAll ${nodes.length} nodes follow node 3 (${first.toFixed(0)} ms after start). Letting it lead for ${STEADY_MS / 1000} s…\n`);
    const leader = nodes[2]!;
    const receivedBefore = nodes[0]!.counters.received;
    await new Promise((done) => setTimeout(done, STEADY_MS));
    write(`node 1 heard ${nodes[0]!.counters.received - receivedBefore} heartbeats meanwhile. Stopping the leader (clean stop: it sends RESIGN)…\n\n`);
    const survivors = nodes.slice(0, 2);
    const stoppedAt = performance.now();
    await leader.stop();
    const handover = await waitForAgreement(survivors, 2n, stoppedAt);
    if (handover === undefined) {
      write('\nThe survivors did not agree on a new leader in time.\n');
      return 1;
    }
    write(`\nHandover: node 2 leads, ${handover.toFixed(1)} ms after node 3 resigned. Stopping everything.\n`);
    return 0;
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/** Waits until every node agrees that `leaderId` leads; resolves with the ms taken, or undefined. */
function waitForAgreement(nodes: readonly Participant[], leaderId: bigint, since = performance.now()): Promise<number | undefined> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (nodes.every((node) => node.leader?.id === leaderId && (node.state === 'leader' || node.state === 'follower'))) {
        clearInterval(poll);
        resolve(performance.now() - since);
      } else if (performance.now() - since > CONVERGE_TIMEOUT_MS) {
        clearInterval(poll);
        resolve(undefined);
      }
    };
    const poll = setInterval(check, 2);
  });
}
