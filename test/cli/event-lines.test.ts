// The stdout line formats of issues 7 and 8: fault lines with a reason, conflict lines naming
// the other instance, extra fields that never disturb the common ones.
import { describe, expect, it } from 'vitest';
import { eventLine, formatEventLine, identityFields } from '../../lib/cli/output';

describe('event lines with extra fields', () => {
  it('a fault line has leader null and the reason after the common fields', () => {
    const text = formatEventLine(eventLine('fault', 7n, 12n, undefined, 1000.25, { reason: 'nic-down' }));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line).toEqual({ time: 1000.25, event: 'fault', id: '7', term: 12, leader: null, reason: 'nic-down' });
    expect(Object.keys(line)).toEqual(['time', 'event', 'id', 'term', 'leader', 'reason']);
  });

  it('a conflict line names the other instance with 64-bit values as decimal text', () => {
    const other = { id: 18446744073709551615n, address: 'fe80::1', nonce: 18446744073709551557n };
    const text = formatEventLine(eventLine('conflict', 18446744073709551615n, 3n, { id: 9n, address: '10.0.0.9' }, 5, { other: identityFields(other) }));
    expect(JSON.parse(text)).toEqual({
      time: 5, event: 'conflict', id: '18446744073709551615', term: 3, leader: { id: '9', address: '10.0.0.9' },
      other: { id: '18446744073709551615', address: 'fe80::1', nonce: '18446744073709551557' },
    });
    // Not rounded through a double anywhere.
    expect(text).toContain('"nonce":"18446744073709551557"');
  });

  it('prints bigints in extra fields as text, and extra fields cannot replace the common ones', () => {
    const line = eventLine('fault', 1n, 2n, undefined, 3, { reason: 'send-failing', count: 2n ** 64n - 1n, event: 'forged', leader: 'x', time: 0 });
    expect(line).toEqual({ time: 3, event: 'fault', id: '1', term: 2, leader: null, reason: 'send-failing', count: '18446744073709551615' });
  });

  it('without extra fields the line has exactly the five common fields', () => {
    expect(Object.keys(eventLine('candidate', 1n, 0n, undefined))).toEqual(['time', 'event', 'id', 'term', 'leader']);
    expect(Object.keys(eventLine('candidate', 1n, 0n, undefined, 1, {}))).toEqual(['time', 'event', 'id', 'term', 'leader']);
  });
});
