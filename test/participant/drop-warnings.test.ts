// Visible misconfiguration: rate-limited warnings about peers with another secret, key or cluster.
import { describe, expect, it } from 'vitest';
import { DropWarnings, WARNED_DROP_REASONS } from '../../lib/participant/drop-warnings';
import type { Logger } from '../../lib/participant/logger';

function setup(options: { maxPeers?: number } = {}) {
  let now = 0;
  const warns: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const logger: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (o: unknown, m?: string) => warns.push({ fields: o as Record<string, unknown>, msg: String(m) }) };
  const w = new DropWarnings(logger, { now: () => now, ...options });
  return { w, warns, advance: (ms: number) => (now += ms) };
}

describe('drop warnings', () => {
  it('warns about each misconfiguration reason, naming the sender address and the reason', () => {
    const t = setup();
    for (const reason of WARNED_DROP_REASONS) t.w.note(reason, '10.0.0.7', 'detail');
    expect(t.warns).toHaveLength(5);
    for (const [i, reason] of WARNED_DROP_REASONS.entries()) {
      expect(t.warns[i]!.msg).toContain('10.0.0.7');
      expect(t.warns[i]!.msg).toContain(`(${reason})`);
      expect(t.warns[i]!.fields).toMatchObject({ from: '10.0.0.7', reason });
    }
    expect(t.warns.filter((w) => /fail authentication/.test(w.msg))).toHaveLength(3);
  });

  it('warns about a peer that does not take our datagrams, once per peer per 10 s, saying why', () => {
    const t = setup();
    for (let i = 0; i < 50; i++) {
      t.w.unreachable('10.0.0.8:9999', 'ECONNREFUSED');
      t.advance(100);
    }
    t.w.unreachable('10.0.0.9:9999', 'EHOSTUNREACH');
    expect(t.warns).toHaveLength(2);
    expect(t.warns[0]!.msg).toMatch(/10\.0\.0\.8:9999 .*nothing listens on its port/);
    expect(t.warns[1]!.msg).toMatch(/10\.0\.0\.9:9999 .*unreachable \(EHOSTUNREACH/);
    t.advance(10_000);
    t.w.unreachable('10.0.0.8:9999', 'ECONNREFUSED');
    expect(t.warns).toHaveLength(3);
  });

  it('never warns about line noise or our own traffic', () => {
    const t = setup();
    for (const reason of ['truncated', 'bad-magic', 'replay', 'own', 'not-group', 'wrong-interface']) t.w.note(reason, '10.0.0.7', 'd');
    expect(t.warns).toEqual([]);
  });

  it('at most one line per (address, reason) per 10 s', () => {
    const t = setup();
    for (let i = 0; i < 100; i++) {
      t.w.note('bad-tag', '10.0.0.7', 'd');
      t.advance(99); // 100 packets over 9.9 s
    }
    expect(t.warns).toHaveLength(1);
    t.w.note('unknown-key', '10.0.0.7', 'd'); // another reason: its own line
    t.w.note('bad-tag', '10.0.0.8', 'd'); // another sender: its own line
    expect(t.warns).toHaveLength(3);
    t.advance(101); // 10 s after the first line
    t.w.note('bad-tag', '10.0.0.7', 'd');
    expect(t.warns).toHaveLength(4);
  });

  it('stays bounded under forged senders: beyond maxPeers one summary line per interval', () => {
    const t = setup({ maxPeers: 8 });
    for (let i = 0; i < 1_000; i++) t.w.note('bad-tag', `10.1.${i >> 8}.${i & 255}`, 'd');
    expect(t.warns).toHaveLength(9);
    expect(t.warns[8]!.msg).toMatch(/more than 8 sender\/reason pairs/);
    t.advance(10_000);
    // The old entries expire and make room again.
    t.w.note('bad-tag', '10.2.0.1', 'd');
    expect(t.warns).toHaveLength(10);
    expect(t.warns[9]!.msg).toContain('10.2.0.1');
  });
});
