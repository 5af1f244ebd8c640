// Per-packet log entries (received, sent, dropped) reach only a logger that says it wants them
// (pino's isLevelEnabled): `logger: console` would otherwise print a stack trace per packet.
import { afterEach, describe, expect, it } from 'vitest';
import type { Participant } from '../../lib/participant';
import type { Logger } from '../../lib/participant/logger';
import { MulticastSocket } from '../../lib/socket';
import { agreeOn, freshGroup, GROUP, participants, waitUntil } from './helpers';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

type Entry = { level: string; msg: string };

/** A logger shaped like `console` (no levels to ask), or like pino when `enabled` is given. */
function recordingLogger(enabled?: (level: string) => boolean): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: string) => (objOrMsg: unknown, msg?: string) => entries.push({ level, msg: typeof objOrMsg === 'string' ? objOrMsg : String(msg) });
  return {
    entries,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    ...(enabled && { isLevelEnabled: enabled }),
  };
}

async function runPair(logger: Logger): Promise<void> {
  const { address, cluster, port } = freshGroup();
  const nodes: Participant[] = participants([1, 2], { address, cluster, logger });
  cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
  for (const node of nodes) await node.start();
  await waitUntil(() => agreeOn(nodes, 2n), 5_000, 'agreement on 2');
  // A garbage datagram on the group: a drop ('bad-magic') for each participant.
  const raw = new MulticastSocket({ family: 4 });
  cleanup.push(() => raw.close());
  raw.bind(0);
  raw.setMulticastInterface('lo');
  raw.setLoopback(true);
  raw.send(Buffer.from('not a multibully packet'), GROUP, port);
  await waitUntil(() => nodes[0]!.counters.dropped['bad-magic'] > 0, 2_000, 'the garbage to be dropped');
  await new Promise((done) => setTimeout(done, 200)); // a few more heartbeats
}

const PER_PACKET = ['received', 'sent', 'dropped datagram'];

describe('per-packet log entries', () => {
  it('never reach a logger that cannot say which levels it wants (console)', async () => {
    const logger = recordingLogger();
    await runPair(logger);
    expect(logger.entries.filter((e) => PER_PACKET.includes(e.msg))).toEqual([]);
    // The rest of the log still arrives (state changes at info).
    expect(logger.entries.some((e) => e.level === 'info' && e.msg === 'state change')).toBe(true);
  });

  it('reach a logger whose isLevelEnabled says yes, at the levels it enables', async () => {
    const all = recordingLogger(() => true);
    await runPair(all);
    const messages = new Set(all.entries.map((e) => `${e.level} ${e.msg}`));
    expect(messages).toContain('trace received');
    expect(messages).toContain('trace sent');
    expect(messages).toContain('debug dropped datagram');

    const debugOnly = recordingLogger((level) => level !== 'trace');
    await runPair(debugOnly);
    expect(debugOnly.entries.some((e) => e.msg === 'dropped datagram')).toBe(true);
    expect(debugOnly.entries.filter((e) => e.level === 'trace')).toEqual([]);
  });
});

describe('the log of a transition', () => {
  it('is written after its listeners ran: a takeover\'s "leader" listener comes before the "state change" entry', async () => {
    const { address, cluster } = freshGroup();
    const journal: string[] = [];
    const logger = recordingLogger();
    const log = logger.info;
    logger.info = (objOrMsg: unknown, msg?: string) => {
      journal.push(`log ${typeof objOrMsg === 'string' ? objOrMsg : String(msg)} ${JSON.stringify((objOrMsg as { to?: string }).to ?? '')}`);
      return log(objOrMsg, msg);
    };
    const [node] = participants([3], { address, cluster, logger });
    cleanup.push(() => node!.stop());
    node!.on('state', ({ to }) => journal.push(`state ${to}`));
    node!.on('leader', () => journal.push('leader'));
    await node!.start();
    await waitUntil(() => node!.isLeader, 5_000, 'node 3 to lead alone');
    const taking = journal.slice(journal.indexOf('state leader'));
    expect(taking.slice(0, 3)).toEqual(['state leader', 'leader', 'log state change "leader"']);
  });
});
