import { describe, expect, it } from 'vitest';
import { LruMap } from '../lib/lru';

describe('LruMap', () => {
  it('forgets the least recently set entry past its capacity', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // a is now the most recent
    map.set('c', 4);
    expect([...map]).toEqual([['a', 3], ['c', 4]]);
    expect(map.size).toBe(2);
    expect(map.has('b')).toBe(false);
  });

  it('does not count get() or has() as a use', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    expect(map.has('a')).toBe(true);
    map.set('c', 3);
    expect([...map].map(([key]) => key)).toEqual(['b', 'c']);
  });

  it("with 'refuse', a full map keeps its entries and takes no new key", () => {
    const map = new LruMap<string, number>(2, 'refuse');
    expect(map.set('a', 1)).toBe(true);
    expect(map.set('b', 2)).toBe(true);
    expect(map.set('c', 3)).toBe(false);
    expect(map.set('a', 4)).toBe(true); // a known key is updated
    expect([...map]).toEqual([['b', 2], ['a', 4]]);
    map.delete('b');
    expect(map.set('c', 3)).toBe(true);
  });

  it('deletes, and stays bounded under a million distinct keys', () => {
    const map = new LruMap<number, number>(100);
    for (let i = 0; i < 1_000_000; i++) map.set(i, i);
    expect(map.size).toBe(100);
    expect(map.delete(999_999)).toBe(true);
    expect(map.delete(0)).toBe(false);
    expect(map.size).toBe(99);
  });
});
