import { describe, expect, it } from 'vitest';
import { eventLine, formatEventLine, preciseNow } from '../../lib/cli/output';
import { createStderrLogger } from '../../lib/cli/stderr-logger';

describe('JSON event lines', () => {
  it('prints one JSON object per line with ids as text', () => {
    const text = formatEventLine(eventLine('follower', 18446744073709551615n, 4n, { id: 9n, address: '10.77.1.9' }, 1234.5));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(JSON.parse(text)).toEqual({ time: 1234.5, event: 'follower', id: '18446744073709551615', term: '4', leader: { id: '9', address: '10.77.1.9' } });
  });

  it('uses null for no leader and wall-clock time', () => {
    const before = Date.now();
    const line = eventLine('candidate', 1n, 0n, undefined);
    expect(line.leader).toBeNull();
    expect(line.time).toBeGreaterThanOrEqual(before - 1);
    expect(line.time).toBeLessThanOrEqual(preciseNow());
  });
});

describe('stderr logger', () => {
  it('writes entries at or above its level, with fields', () => {
    const lines: string[] = [];
    const log = createStderrLogger('info', (line) => lines.push(line));
    log.debug('hidden');
    log.info({ id: 5n }, 'shown');
    log.error(Object.assign(new Error('boom'), { code: 'EX' }));
    log.child?.({ node: 1 }).warn('child');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ INFO shown \{"id":"5"\}\n$/);
    expect(lines[1]).toMatch(/ ERROR boom \{"err":\{"message":"boom","code":"EX"\}\}\n$/);
    expect(lines[2]).toMatch(/ WARN child \{"node":1\}\n$/);
  });

  it('says which levels it writes (isLevelEnabled), so the Participant sends it per-packet entries only at trace/debug', () => {
    const debug = createStderrLogger('debug', () => {});
    expect(['trace', 'debug', 'info', 'warn', 'error'].map((level) => debug.isLevelEnabled?.(level))).toEqual([false, true, true, true, true]);
    expect(createStderrLogger('trace', () => {}).isLevelEnabled?.('trace')).toBe(true);
    expect(createStderrLogger('silent', () => {}).isLevelEnabled?.('error')).toBe(false);
    expect(debug.isLevelEnabled?.('silent')).toBe(false);
    expect(debug.child?.({ a: 1 }).isLevelEnabled?.('debug')).toBe(true);
  });

  it('is silent at level silent', () => {
    const lines: string[] = [];
    const log = createStderrLogger('silent', (line) => lines.push(line));
    log.error('nothing');
    expect(lines).toEqual([]);
  });
});
