import { describe, expect, it } from 'vitest';
import { addressBytes, comparePriority, seededRandom } from '../../lib/core';

const at = (id: bigint, address: string, nonce = 0n) => ({ id, address, nonce });

describe('comparePriority', () => {
  it('orders by id first, whatever the addresses', () => {
    expect(comparePriority(at(2n, '10.0.0.1'), at(1n, '10.0.0.9'))).toBeGreaterThan(0);
    expect(comparePriority(at(1n, '10.0.0.9'), at(2n, '10.0.0.1'))).toBeLessThan(0);
    expect(comparePriority(at((1n << 64n) - 1n, '::'), at((1n << 64n) - 2n, 'ffff::'))).toBeGreaterThan(0);
  });

  it('breaks id ties by address byte by byte (numerically, not as text)', () => {
    expect(comparePriority(at(7n, '10.0.0.10'), at(7n, '10.0.0.9'))).toBeGreaterThan(0); // text order would say less
    expect(comparePriority(at(7n, '10.0.0.9'), at(7n, '10.0.0.10'))).toBeLessThan(0);
    expect(comparePriority(at(7n, '192.168.0.1'), at(7n, '10.200.0.1'))).toBeGreaterThan(0);
  });

  it('compares IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) against IPv6', () => {
    // ::ffff:10.0.0.1 is 00..00 ffff 0a00 0001: above 2001:db8::1? No: 0x00 < 0x20 in the first byte.
    expect(comparePriority(at(7n, '10.0.0.1'), at(7n, '2001:db8::1'))).toBeLessThan(0);
    expect(comparePriority(at(7n, '10.0.0.1'), at(7n, '::1'))).toBeGreaterThan(0);
    expect(comparePriority(at(7n, '10.0.0.1'), at(7n, '::ffff:10.0.0.1'))).toBe(0);
    expect(comparePriority(at(7n, '10.0.0.1'), at(7n, '::ffff:a00:1'))).toBe(0);
    expect(comparePriority(at(7n, 'fd77::2'), at(7n, 'FD77:0:0::1'))).toBeGreaterThan(0);
  });

  it('ignores the nonce: two starts of one node have the same priority', () => {
    expect(comparePriority(at(3n, '10.0.0.1', 1n), at(3n, '10.0.0.1', 99n))).toBe(0);
  });

  it('rejects addresses that are not IP literals with a TypeError', () => {
    for (const bad of ['', 'lan', '10.0.0', '10.0.0.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '::ffff:1.2.3', '01.2.3.4']) {
      expect(() => addressBytes(bad), bad).toThrow(TypeError);
    }
    expect(() => comparePriority(at(1n, 'x'), at(1n, '10.0.0.1'))).toThrow(TypeError);
  });

  it('parses IPv6 forms to 16 bytes', () => {
    expect([...addressBytes('::')]).toEqual(new Array(16).fill(0));
    expect([...addressBytes('1:2:3:4:5:6:7:8')]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect([...addressBytes('fd77::1.2.3.4')].slice(12)).toEqual([1, 2, 3, 4]);
  });
});

describe('seededRandom', () => {
  it('is deterministic per seed, in [0, 1), and differs between seeds', () => {
    const a = seededRandom(123);
    const b = seededRandom(123);
    const c = seededRandom(124n);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(first);
    expect(() => seededRandom(NaN)).toThrow(TypeError);
  });
});
