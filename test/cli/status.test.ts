// Status on demand: the status line's fields and the atomically rewritten status file.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StatusFile, statusLine, writeFileAtomically, type StatusSource } from '../../lib/cli/status';
import { emptyDropCounts } from '../../lib/participant/counters';
import type { Logger } from '../../lib/participant/logger';
import { UsageError } from '../../lib/cli/usage';

const dir = mkdtempSync(join(tmpdir(), 'mb-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function source(): StatusSource {
  const dropped = emptyDropCounts();
  dropped['bad-tag'] = 7;
  dropped.own = 40;
  return {
    state: 'follower',
    leader: { id: 9n, address: '10.77.1.9' },
    term: 3n,
    self: { id: 5n, address: '10.77.1.5', nonce: 1n },
    interface: { name: 'eth0', index: 2, address: '10.77.1.5', scopeId: 0 },
    group: { group: '239.77.0.1', port: 9999, family: 4 },
    timers: { heartbeatMs: 100, misses: 3, okWaitMs: 100, failoverOkWaitMs: 100, coordinatorWaitMs: 300, skewStepMs: 20, maxSkewRank: 5 },
    counters: { sent: 10, sendFailures: 1, received: 30, dropped, elections: 2 },
  } as StatusSource;
}

function logger(): Logger & { warns: string[]; debugs: string[]; infos: string[] } {
  const warns: string[] = [];
  const debugs: string[] = [];
  const infos: string[] = [];
  return {
    warns,
    debugs,
    infos,
    debug: (_o: unknown, m?: string) => debugs.push(String(m)),
    info: (_o: unknown, m?: string) => infos.push(String(m)),
    warn: (_o: unknown, m?: string) => warns.push(String(m)),
    error: () => {},
  };
}

describe('status', () => {
  it('has the common line fields first, then state, since, timers and counters with drops by reason', () => {
    const line = statusLine(source(), { since: 1234.5 }, 99);
    expect(Object.keys(line).slice(0, 5)).toEqual(['time', 'event', 'id', 'term', 'leader']);
    expect(line).toMatchObject({
      time: 99, event: 'status', id: '5', term: '3', leader: { id: '9', address: '10.77.1.9' },
      state: 'follower', since: 1234.5, pid: process.pid,
      interface: { name: 'eth0', index: 2, address: '10.77.1.5' }, group: '239.77.0.1:9999',
      timers: { heartbeatMs: 100, misses: 3 },
      counters: { sent: 10, sendFailures: 1, received: 30, elections: 2 },
    });
    const dropped = (line.counters as { dropped: Record<string, number> }).dropped;
    expect(dropped['bad-tag']).toBe(7);
    expect(dropped.unauthenticated).toBe(0);
    expect(dropped.own).toBe(40);
    expect(line).not.toHaveProperty('vip');
    // One JSON line, round-trips.
    expect(JSON.parse(JSON.stringify(line))).toEqual(line);
  });

  it("shows the leader's metadata (text or base64, saying which) and a link-local leader's zone", () => {
    const withMetadata = { ...source(), leader: { id: 9n, address: 'fe80::9', metadata: Buffer.from('http://x/') } } as StatusSource;
    expect(statusLine(withMetadata, {}, 1).leader).toEqual({ id: '9', address: 'fe80::9%eth0', metadata: 'http://x/', metadataEncoding: 'utf8' });
  });

  it('before any transition "since" is null; with --vip it says which addresses and whether they are held', () => {
    const line = statusLine(source(), { vip: { addresses: ['10.77.1.100/24'], held: false } }, 1);
    expect(line.since).toBeNull();
    expect(line.vip).toEqual({ addresses: ['10.77.1.100/24'], held: false });
  });

  it('writes the file by rename: the old content or the new, and no temporary file left', () => {
    const path = join(dir, 'a.json');
    writeFileAtomically(path, 'one\n');
    writeFileAtomically(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('a reader polling during 300 rewrites never sees a partial file', () => {
    const path = join(dir, 'race.json');
    const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(20_000) }) + '\n';
    writeFileAtomically(path, big(0));
    for (let n = 1; n <= 300; n++) {
      writeFileAtomically(path, big(n));
      const text = readFileSync(path, 'utf8');
      expect((JSON.parse(text) as { n: number }).n).toBe(n);
    }
  });

  it('the first write (at start) refuses a path that cannot be written, saying why', () => {
    const missing = join(dir, 'no-such-dir', 'status.json');
    expect(() => new StatusFile(missing, logger()).writeFirst(statusLine(source(), {}, 1))).toThrow(
      new UsageError(`--status-file ${missing}: cannot write it: the directory ${join(dir, 'no-such-dir')} does not exist (ENOENT)`),
    );
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => new StatusFile(join(file, 'status.json'), logger()).writeFirst(statusLine(source(), {}, 1))).toThrow(/: cannot write it: .*plain-file is not a directory \(ENOTDIR\)$/);
    mkdirSync(join(dir, 'a-directory'));
    expect(() => new StatusFile(join(dir, 'a-directory'), logger()).writeFirst(statusLine(source(), {}, 1))).toThrow(/cannot write it: it is a directory \(EISDIR\)$/);
    const good = join(dir, 'first.json');
    new StatusFile(good, logger()).writeFirst(statusLine(source(), {}, 7));
    expect(JSON.parse(readFileSync(good, 'utf8'))).toMatchObject({ event: 'status', time: 7 });
  });

  it('StatusFile warns once while writes fail, then says when they work again', () => {
    const sub = join(dir, 'later');
    const log = logger();
    const file = new StatusFile(join(sub, 'status.json'), log);
    file.write(statusLine(source(), {}, 1));
    file.write(statusLine(source(), {}, 2));
    expect(log.warns).toHaveLength(1);
    expect(log.warns[0]).toMatch(/cannot write the status file/);
    expect(log.debugs).toHaveLength(1);
    mkdirSync(sub);
    file.write(statusLine(source(), {}, 3));
    expect(log.infos).toEqual(['the status file is written again']);
    expect(JSON.parse(readFileSync(join(sub, 'status.json'), 'utf8'))).toMatchObject({ event: 'status', time: 3 });
    writeFileSync(join(sub, 'status.json'), 'garbage');
    file.write(statusLine(source(), {}, 4));
    expect(JSON.parse(readFileSync(join(sub, 'status.json'), 'utf8'))).toMatchObject({ time: 4 });
  });
});
