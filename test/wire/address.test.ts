import { describe, expect, it } from 'vitest';
import { addressToBytes16, parseAddress } from '../../lib/address';

describe('address parsing and canonical text', () => {
  it.each([
    ['10.77.0.1', 4, '10.77.0.1'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['0.1.2.3', 4, '0.1.2.3'],
    ['fd77::1', 6, 'fd77::1'],
    ['FD77:0:0:0:0:0:0:1', 6, 'fd77::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:0db8:0000:0000:0000:0000:0002:0001', 6, '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['1:0:0:2:0:0:0:3', 6, '1:0:0:2::3'], // the longest run wins
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['fe80::a:b:c:d', 6, 'fe80::a:b:c:d'],
    ['::ffff:10.0.0.1', 4, '10.0.0.1'], // IPv4-mapped folds to IPv4
    ['::FFFF:a00:1', 4, '10.0.0.1'],
    ['64:ff9b::192.0.2.33', 6, '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
  ])('%s → family %d, %s', (input, family, text) => {
    const parsed = parseAddress(input);
    expect(parsed?.family).toBe(family);
    expect(parsed?.text).toBe(text);
    expect(parsed?.bytes.length).toBe(family === 4 ? 4 : 16);
  });

  it.each([
    '',
    '10.0.0',
    '10.0.0.1.2',
    '10.0.0.256',
    '10.0.0.01', // leading zeros are ambiguous (octal in some parsers)
    '10.0.0.-1',
    ' 10.0.0.1',
    '10.0.0.1 ',
    'fe80::1%eth0', // zone ids are host-local
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':::',
    '1:::2',
    ':1::',
    '12345::',
    'g::1',
    '1:2:3:4:5:6::1.2.3.4',
    '::1.2.3',
    '::ffff:1.2.3.4.5',
    'localhost',
  ])('rejects %j', (input) => {
    expect(parseAddress(input)).toBeUndefined();
  });

  it('gives the 16-byte priority form with IPv4 mapped to ::ffff:a.b.c.d', () => {
    expect(Buffer.from(addressToBytes16('10.0.0.1')!).toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(Buffer.from(addressToBytes16('fd77::1')!).toString('hex')).toBe('fd770000000000000000000000000001');
    expect(addressToBytes16('nope')).toBeUndefined();
  });
});
