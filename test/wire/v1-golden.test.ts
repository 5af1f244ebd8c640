// Golden byte vectors for wire v1 (version byte 2). The same hex appears in docs/PROTOCOL.md; if
// either changes, the format changed and the version must be bumped.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterId, createV1Codec } from '../../lib/wire';
import { SECRET_ONE, message, sender } from './fixtures';

const HEARTBEAT_V4 =
  '4d42' + '02' + '03' + '00' + '04' + '64' + '37a8eec1ce19687d' + '0000000000000007' + '000000000000002a' +
  '0123456789abcdef' + '00000000000003e8' + '0a4d0001' + '0000';

const ELECTION_V6 =
  '4d42' + '02' + '01' + '00' + '06' + '96' + '37a8eec1ce19687d' + '0000000000000003' + '0000000000000005' +
  'fedcba9876543210' + '0000000000000001' + 'fd770000000000000000000000010005';

const AUTH_COORDINATOR_WITH_METADATA =
  '4d42' + '02' + '03' + '80' + '04' + '64' + '37a8eec1ce19687d' + '0000000000000008' + '000000000000002a' +
  '0123456789abcdef' + '00000000000003e9' + '0a4d0001' + '0015' + '687474703a2f2f31302e37372e302e313a38303830' +
  '01' + '9ccd0ddef4ce22928cd45f367f502e368cbbca8bcb2890f3d5d0b3a03ab24568';

const AUTH_RESIGN_NAMING_SUCCESSOR =
  '4d42' + '02' + '04' + '80' + '04' + '64' + '37a8eec1ce19687d' + '0000000000000008' + '000000000000002a' +
  '0123456789abcdef' + '00000000000003ea' + '0a4d0001' +
  '04' + '0000000000000029' + '0011223344556677' + '0a4d0002' +
  '01' + '64b91f4160f0f93b41d098989cfb9c9091f5a87e835a11b788de50f77929ca8d';

const LEADER = sender(42n, '10.77.0.1', 0x0123456789abcdefn);

const vectors = [
  {
    name: 'unauthenticated IPv4 heartbeat (COORDINATOR, no metadata)',
    hex: HEARTBEAT_V4,
    keys: undefined,
    message: message({ type: 'coordinator', term: 7n, from: LEADER, seq: 1000n }),
  },
  {
    name: 'unauthenticated IPv6 ELECTION, priority 150',
    hex: ELECTION_V6,
    keys: undefined,
    message: message({ type: 'election', term: 3n, from: sender(5n, 'fd77::1:5', 0xfedcba9876543210n), seq: 1n, priority: 150 }),
  },
  {
    name: 'authenticated COORDINATOR with metadata, key id 1',
    hex: AUTH_COORDINATOR_WITH_METADATA,
    keys: [{ id: 1, secret: SECRET_ONE }],
    message: message({ term: 8n, from: LEADER, seq: 1001n, metadata: new Uint8Array(Buffer.from('http://10.77.0.1:8080')) }),
  },
  {
    name: 'authenticated RESIGN naming its successor, key id 1',
    hex: AUTH_RESIGN_NAMING_SUCCESSOR,
    keys: [{ id: 1, secret: SECRET_ONE }],
    message: message({ type: 'resign', term: 8n, from: LEADER, seq: 1002n, successor: sender(41n, '10.77.0.2', 0x0011223344556677n) }),
  },
];

describe('v1 golden vectors', () => {
  for (const vector of vectors) {
    it(`encodes ${vector.name} byte for byte`, () => {
      const codec = createV1Codec({ cluster: 'default', ...(vector.keys && { keys: vector.keys }) });
      expect(codec.encode(vector.message).toString('hex')).toBe(vector.hex);
    });
    it(`decodes ${vector.name}`, () => {
      const codec = createV1Codec({ cluster: 'default', ...(vector.keys && { keys: vector.keys }) });
      expect(codec.decode(Buffer.from(vector.hex, 'hex'))).toEqual({ ok: true, message: vector.message });
    });
  }

  it('derives the cluster id as the first 8 bytes of SHA-256 of the name', () => {
    const expected = createHash('sha256').update('default', 'utf8').digest('hex').slice(0, 16);
    expect(expected).toBe('37a8eec1ce19687d');
    expect(clusterId('default').toString('hex')).toBe(expected);
    expect(clusterId(Buffer.from('default')).toString('hex')).toBe(expected);
    expect(createV1Codec({ cluster: 'default' }).clusterId).toBe(expected);
  });

  it('computes the tag as HMAC-SHA256(secret, every byte before the tag, key id included)', () => {
    for (const hex of [AUTH_COORDINATOR_WITH_METADATA, AUTH_RESIGN_NAMING_SUCCESSOR]) {
      const packet = Buffer.from(hex, 'hex');
      const signed = packet.subarray(0, packet.length - 32);
      const tag = createHmac('sha256', SECRET_ONE).update(signed).digest('hex');
      expect(packet.subarray(packet.length - 32).toString('hex')).toBe(tag);
      expect(signed[signed.length - 1]).toBe(1); // key id byte
    }
  });

  it('the IPv4 heartbeat vector is 53 bytes and the authenticated one 86', () => {
    expect(HEARTBEAT_V4.length / 2).toBe(53);
    const authed = createV1Codec({ cluster: 'default', keys: [{ id: 1, secret: SECRET_ONE }] });
    expect(authed.encode(vectors[0]!.message).length).toBe(86);
  });
});

describe('docs/PROTOCOL.md worked examples', () => {
  // Each fenced block's hex tokens (text after a run of two spaces is commentary), concatenated.
  const doc = readFileSync(join(__dirname, '../../docs/PROTOCOL.md'), 'utf8');
  const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((match) =>
    match[1]!
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/)[0]!.replace(/ /g, ''))
      .filter((token) => /^[0-9a-f]+$/.test(token))
      .join(''),
  );

  it.each(vectors.map((v) => [v.name, v.hex]))('shows %s byte for byte', (_name, hex) => {
    expect(blocks).toContain(hex);
  });

  it('shows the Go COORDINATOR example', () => {
    expect(doc).toContain('327c31302e302e302e317c34327c');
    expect(doc).toContain('`2|10.0.0.1|42|` followed by 114 `#`');
  });
});
