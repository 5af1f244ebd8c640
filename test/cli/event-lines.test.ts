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
    expect(line).toEqual({ time: 1000.25, event: 'fault', id: '7', term: '12', leader: null, reason: 'nic-down' });
    expect(Object.keys(line)).toEqual(['time', 'event', 'id', 'term', 'leader', 'reason']);
  });

  it('a conflict line names the other instance with 64-bit values as decimal text', () => {
    const other = { id: 18446744073709551615n, address: 'fe80::1', nonce: 18446744073709551557n };
    const text = formatEventLine(eventLine('conflict', 18446744073709551615n, 3n, { id: 9n, address: '10.0.0.9' }, 5, { other: identityFields(other) }));
    expect(JSON.parse(text)).toEqual({
      time: 5, event: 'conflict', id: '18446744073709551615', term: '3', leader: { id: '9', address: '10.0.0.9' },
      other: { id: '18446744073709551615', address: 'fe80::1', nonce: '18446744073709551557' },
    });
    // Not rounded through a double anywhere.
    expect(text).toContain('"nonce":"18446744073709551557"');
  });

  it('prints bigints in extra fields as text, and extra fields cannot replace the common ones', () => {
    const line = eventLine('fault', 1n, 2n, undefined, 3, { reason: 'send-failing', count: 2n ** 64n - 1n, event: 'forged', leader: 'x', time: 0 });
    expect(line).toEqual({ time: 3, event: 'fault', id: '1', term: '2', leader: null, reason: 'send-failing', count: '18446744073709551615' });
  });

  it('prints the term as decimal text, like the ids, whatever its size', () => {
    expect(eventLine('leader', 1n, 3n, undefined, 1).term).toBe('3');
    expect(eventLine('leader', 1n, 0n, undefined, 1).term).toBe('0');
    expect(JSON.parse(formatEventLine(eventLine('leader', 1n, 2n ** 64n - 1n, undefined, 1))).term).toBe('18446744073709551615');
  });

  it("shows the leader's metadata as UTF-8 text, or base64 for other bytes, and says which", () => {
    const url = eventLine('follower', 1n, 2n, { id: 9n, address: '10.0.0.9', metadata: Buffer.from('http://10.0.0.9:8080/ü') }, 1);
    expect(url.leader).toEqual({ id: '9', address: '10.0.0.9', metadata: 'http://10.0.0.9:8080/ü', metadataEncoding: 'utf8' });
    const bytes = eventLine('follower', 1n, 2n, { id: 9n, address: '10.0.0.9', metadata: Uint8Array.of(0xff, 0xfe, 0x00) }, 1);
    expect(bytes.leader).toEqual({ id: '9', address: '10.0.0.9', metadata: '//4A', metadataEncoding: 'base64' });
    // Valid UTF-8 but with a NUL (which no hook environment can hold): base64 too.
    expect(eventLine('follower', 1n, 2n, { id: 9n, address: '10.0.0.9', metadata: Buffer.from('a\0b') }, 1).leader).toMatchObject({ metadata: 'YQBi', metadataEncoding: 'base64' });
    expect(eventLine('follower', 1n, 2n, { id: 9n, address: '10.0.0.9' }, 1).leader).toEqual({ id: '9', address: '10.0.0.9' });
  });

  it('prints a link-local IPv6 leader with the election NIC as its zone, and other addresses as they are', () => {
    expect(eventLine('follower', 1n, 2n, { id: 9n, address: 'fe80::1', zone: 'eth0' }, 1).leader).toEqual({ id: '9', address: 'fe80::1%eth0' });
    expect(eventLine('follower', 1n, 2n, { id: 9n, address: 'fd00::9', zone: 'eth0' }, 1).leader).toEqual({ id: '9', address: 'fd00::9' });
    expect(eventLine('follower', 1n, 2n, { id: 9n, address: '169.254.0.9', zone: 'eth0' }, 1).leader).toEqual({ id: '9', address: '169.254.0.9' });
  });

  it('without extra fields the line has exactly the five common fields', () => {
    expect(Object.keys(eventLine('candidate', 1n, 0n, undefined))).toEqual(['time', 'event', 'id', 'term', 'leader']);
    expect(Object.keys(eventLine('candidate', 1n, 0n, undefined, 1, {}))).toEqual(['time', 'event', 'id', 'term', 'leader']);
  });
});
