// Participant lifecycle on lo: a start() that failed can be retried, stop() resolves only once
// the socket's fd is closed, and start/stop cycles without a yield between them leak nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Participant } from '../../lib/participant';
import { freshGroup, waitUntil } from './helpers';

const DIST = join(__dirname, '../../dist');

/** Open fds of this process, fd number → link target (`socket:[inode]`, a path, …). */
function openFdTargets(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the fd of readdir itself, or one closed meanwhile
    }
  }
  return fds;
}

function socketFds(): Map<string, string> {
  return new Map([...openFdTargets()].filter(([, target]) => target.startsWith('socket:')));
}

/** Entries of `after` that were not in `before` (same fd number and target). */
function added(before: Map<string, string>, after: Map<string, string>): Map<string, string> {
  return new Map([...after].filter(([fd, target]) => before.get(fd) !== target));
}

function timeoutCount(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

// Runs in a child whose RLIMIT_NOFILE is low: it opens /dev/null until EMFILE, start() must then
// fail (socket() → EMFILE); it closes a few fds and the same participant's start() must work.
const EMFILE_SCRIPT = `
'use strict';
const fs = require('node:fs');
const { Participant } = require(process.env.MB_DIST);
const result = {};
const participant = new Participant({ address: process.env.MB_ADDRESS, cluster: process.env.MB_CLUSTER, interface: 'lo', id: 1, heartbeatMs: 50 });
const held = [];
try {
  for (let i = 0; i < 100000; i++) held.push(fs.openSync('/dev/null', 'r'));
} catch (error) {
  result.fillError = error.code;
}
result.held = held.length;
(async () => {
  try {
    await participant.start();
    result.first = 'resolved';
  } catch (error) {
    result.first = error.code || String(error.message);
    result.firstMessage = String(error.message);
  }
  result.stateAfterFirst = participant.state;
  for (const fd of held.splice(0, 64)) fs.closeSync(fd);
  try {
    await participant.start();
    result.second = 'resolved';
  } catch (error) {
    result.second = error.code || String(error.message);
    result.secondMessage = String(error.message);
  }
  result.stateAfterSecond = participant.state;
  if (result.second === 'resolved') {
    const deadline = Date.now() + 5000;
    while (participant.state !== 'leader' && Date.now() < deadline) await new Promise((done) => setTimeout(done, 10));
    result.stateLater = participant.state;
    result.sent = participant.counters.sent;
  }
  await participant.stop();
  result.stateAfterStop = participant.state;
  for (const fd of held) fs.closeSync(fd);
  process.stdout.write(JSON.stringify(result) + '\\n');
})().catch((error) => {
  process.stdout.write(JSON.stringify({ ...result, crashed: String(error && error.stack || error) }) + '\\n');
});
`;

describe('Participant lifecycle on lo', () => {
  it('start() after a start() that failed with EMFILE works (child with RLIMIT_NOFILE 256)', () => {
    const { address, cluster } = freshGroup();
    const child = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" -e "$1"', process.execPath, EMFILE_SCRIPT], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, MB_DIST: DIST, MB_ADDRESS: address, MB_CLUSTER: cluster },
    });
    expect(child.error).toBeUndefined();
    expect(child.status, `stderr: ${child.stderr}`).toBe(0);
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(line) as Record<string, unknown>;
    const why = `child reported ${line}; stderr: ${child.stderr.trim()}`;
    expect(result.crashed, why).toBeUndefined();
    // The scenario really happened: the fd table was full and the first start() failed on it.
    expect(result.fillError, why).toBe('EMFILE');
    expect(result.first, why).toBe('EMFILE');
    // A failed start() leaves the participant not running and reads 'stopped' (README).
    expect(result.stateAfterFirst, why).toBe('stopped');
    // The criterion: with fds free again, start() of the same participant works and it runs.
    expect(result.second, why).toBe('resolved');
    expect(result.stateLater, why).toBe('leader');
    expect(result.sent as number, why).toBeGreaterThan(0);
    expect(result.stateAfterStop, why).toBe('stopped');
  });

  it('stop() resolves only after the socket fd is closed (stopped at once, and stopped while leading)', async () => {
    for (const leadFirst of [false, true]) {
      const { address, cluster } = freshGroup();
      await sleep(50); // earlier sockets of this file close on the loop; let them go first
      const countBefore = readdirSync('/proc/self/fd').length;
      const before = socketFds();
      const node = new Participant({ address, cluster, interface: 'lo', id: 1, heartbeatMs: 50 });
      try {
        await node.start();
        const mine = added(before, socketFds());
        expect(mine.size, 'start() opened a socket').toBeGreaterThan(0);
        if (leadFirst) await waitUntil(() => node.state === 'leader', 5_000, 'a lone node to lead');
        await node.stop();
        // No waiting: the moment stop() has resolved, every socket start() opened is closed.
        const now = socketFds();
        const open = [...mine].filter(([fd, target]) => now.get(fd) === target);
        expect(open, `sockets still open after stop() resolved (${leadFirst ? 'while leading' : 'at once'})`).toEqual([]);
        expect(readdirSync('/proc/self/fd').length).toBe(countBefore);
        expect(node.state).toBe('stopped');
      } finally {
        await node.stop();
      }
    }
  });

  it(
    '10,000 start/stop cycles with no yield between them leave the fd count unchanged',
    async () => {
      const CYCLES = 10_000;
      const TIME_LIMIT_MS = 60_000;
      const { address, cluster } = freshGroup();
      await sleep(50);
      const countBefore = readdirSync('/proc/self/fd').length;
      const socketsBefore = socketFds();
      const timersBefore = timeoutCount();
      const nodes: Participant[] = [];
      const starts: Array<Promise<unknown>> = [];
      const stops: Array<Promise<void>> = [];
      const began = Date.now();
      let cycles = 0;
      // No await in this loop: start() and stop() of each cycle run back to back, synchronously.
      for (; cycles < CYCLES; cycles++) {
        if (cycles % 100 === 0 && Date.now() - began > TIME_LIMIT_MS) break;
        const node = new Participant({ address, cluster, interface: 'lo', id: cycles + 1, heartbeatMs: 50 });
        nodes.push(node);
        starts.push(node.start().then(() => 'resolved', (error: unknown) => error));
        stops.push(node.stop());
      }
      const loopMs = Date.now() - began;
      if (cycles < CYCLES) console.warn(`lifecycle: only ${cycles} of ${CYCLES} cycles within ${TIME_LIMIT_MS} ms; the rest skipped`);
      expect(cycles, `cycles done in ${loopMs} ms`).toBeGreaterThan(0);

      // Every stop() and start() settles (bounded).
      let bound: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        Promise.all([Promise.all(stops), Promise.all(starts)]).then(() => true),
        new Promise<boolean>((done) => (bound = setTimeout(() => done(false), 30_000))),
      ]);
      clearTimeout(bound);
      expect(settled, 'every start() and stop() settled within 30 s').toBe(true);
      const outcomes = await Promise.all(starts);
      // A start() cut short by its stop() may reject, but never for want of resources.
      const resourceErrors = outcomes.filter((o) => o instanceof Error && /^(EMFILE|ENFILE|ENOBUFS|ENOMEM)$/.test(String((o as { code?: unknown }).code)));
      expect(resourceErrors.slice(0, 3)).toEqual([]);
      expect(nodes.filter((node) => node.state !== 'stopped').map((node) => node.state).slice(0, 5)).toEqual([]);

      // No socket (nor any other fd) is left open, and no timer is left armed.
      await waitUntil(() => readdirSync('/proc/self/fd').length <= countBefore, 5_000, 'the fd count to return to its start value').catch(() => undefined);
      const leftSockets = added(socketsBefore, socketFds());
      expect(leftSockets.size, `sockets left open after ${cycles} cycles`).toBe(0);
      expect(readdirSync('/proc/self/fd').length, `fd count after ${cycles} cycles (before: ${countBefore})`).toBe(countBefore);
      // A participant left running would keep its election timer armed.
      expect(timeoutCount(), `active timers: ${process.getActiveResourcesInfo().join(', ')}`).toBeLessThanOrEqual(timersBefore);
      console.log(`lifecycle: ${cycles} cycles, loop ${loopMs} ms, total ${Date.now() - began} ms`);
    },
    150_000,
  );
});
