import { describe, expect, it } from 'vitest';
import { createV1Codec, type DecodeResult } from '../../lib/wire';
import { DUPLICATE_WINDOW } from '../../lib/wire/replay';
import { SECRET_ONE, message, sender } from './fixtures';

const reasonOf = (result: DecodeResult) => (result.ok ? 'ok' : result.reason);

for (const keys of [undefined, [{ id: 0, secret: SECRET_ONE }]]) {
  const label = keys ? 'with keys' : 'without keys';
  const codec = () => createV1Codec({ cluster: 'c', ...(keys && { keys }) });

  describe(`replay protection ${label}`, () => {
    it('the same packet twice: the second is a replay', () => {
      const packet = codec().encode(message({ seq: 10n }));
      const node = codec();
      expect(reasonOf(node.decode(packet))).toBe('ok');
      expect(node.decode(packet)).toMatchObject({ ok: false, reason: 'replay', detail: expect.stringMatching(/seq 10/) });
    });

    it('gaps are fine: only "not newer" is rejected', () => {
      const sending = codec();
      const node = codec();
      expect(reasonOf(node.decode(sending.encode(message({ seq: 1n }))))).toBe('ok');
      expect(reasonOf(node.decode(sending.encode(message({ seq: 500n }))))).toBe('ok');
    });

    it('a restarted sender (new nonce) with a low sequence is accepted', () => {
      const sending = codec();
      const node = codec();
      const first = sender(42n, '10.77.0.1', 111n);
      const restarted = sender(42n, '10.77.0.1', 222n);
      expect(reasonOf(node.decode(sending.encode(message({ from: first, seq: 9000n }))))).toBe('ok');
      expect(reasonOf(node.decode(sending.encode(message({ from: restarted, seq: 1n }))))).toBe('ok');
      expect(reasonOf(node.decode(sending.encode(message({ from: restarted, seq: 1n }))))).toBe('replay');
    });

    it('senders are tracked independently by (id, address, nonce)', () => {
      const sending = codec();
      const node = codec();
      const senders = [sender(1n, '10.0.0.1', 5n), sender(2n, '10.0.0.1', 5n), sender(1n, '10.0.0.2', 5n)];
      for (const from of senders) expect(reasonOf(node.decode(sending.encode(message({ from, seq: 3n }))))).toBe('ok');
      expect(node.trackedSenders).toBe(3);
    });
  });
}

describe('with keys the filter is strict: only genuine packets reach it, so nothing old is accepted again', () => {
  const keys = [{ id: 0, secret: SECRET_ONE }];
  it('an older sequence number after a newer one is a replay, however old', () => {
    const sending = createV1Codec({ cluster: 'c', keys });
    const node = createV1Codec({ cluster: 'c', keys });
    const older = sending.encode(message({ seq: 10n }));
    const ancient = sending.encode(message({ seq: 1n }));
    expect(reasonOf(node.decode(sending.encode(message({ seq: 11n }))))).toBe('ok');
    expect(node.decode(older)).toMatchObject({ ok: false, reason: 'replay', detail: expect.stringMatching(/not newer/) });
    expect(reasonOf(node.decode(ancient))).toBe('replay');
    expect(reasonOf(node.decode(sending.encode(message({ seq: 12n }))))).toBe('ok');
  });

  it('a forged packet (bad tag) with a huge sequence cannot poison the filter', () => {
    const sending = createV1Codec({ cluster: 'c', keys });
    const node = createV1Codec({ cluster: 'c', keys });
    const forged = Buffer.from(sending.encode(message({ seq: 5n })));
    forged.writeBigUInt64BE((1n << 64n) - 16n, 38);
    expect(reasonOf(node.decode(forged))).toBe('bad-tag');
    expect(reasonOf(node.decode(sending.encode(message({ seq: 6n }))))).toBe('ok');
  });
});

describe('without keys the filter only removes duplicates and never makes a node deaf to a live peer', () => {
  const codec = () => createV1Codec({ cluster: 'c' });

  it('a reordered packet inside the window is accepted once, then a duplicate', () => {
    const sending = codec();
    const node = codec();
    const older = sending.encode(message({ seq: 10n }));
    expect(reasonOf(node.decode(sending.encode(message({ seq: 11n }))))).toBe('ok');
    expect(reasonOf(node.decode(older))).toBe('ok');
    expect(node.decode(older)).toMatchObject({ ok: false, reason: 'replay', detail: expect.stringMatching(/duplicate/) });
  });

  it('a forged copy with sequence 2^64 − 16 costs the real sender nothing', () => {
    const sending = codec();
    const node = codec();
    const real = sending.encode(message({ seq: 100n }));
    expect(reasonOf(node.decode(real))).toBe('ok');
    const forged = Buffer.from(real);
    forged.writeBigUInt64BE((1n << 64n) - 16n, 38);
    expect(reasonOf(node.decode(forged))).toBe('ok');
    for (let seq = 101n; seq < 110n; seq++) {
      expect(reasonOf(node.decode(sending.encode(message({ seq }))))).toBe('ok');
    }
  });

  it('a packet older than the window resynchronises it', () => {
    const sending = codec();
    const node = codec();
    expect(reasonOf(node.decode(sending.encode(message({ seq: 1_000n }))))).toBe('ok');
    expect(reasonOf(node.decode(sending.encode(message({ seq: 1_000n - BigInt(DUPLICATE_WINDOW) }))))).toBe('ok');
    expect(reasonOf(node.decode(sending.encode(message({ seq: 1_000n - BigInt(DUPLICATE_WINDOW) }))))).toBe('replay');
    expect(reasonOf(node.decode(sending.encode(message({ seq: 1_000n - BigInt(DUPLICATE_WINDOW) + 1n }))))).toBe('ok');
  });
});

describe('replay window bounds memory', () => {
  it('with keys, keeps at most replayWindow senders, evicting the least recently heard', () => {
    const keys = [{ id: 0, secret: SECRET_ONE }];
    const sending = createV1Codec({ cluster: 'c', keys });
    const node = createV1Codec({ cluster: 'c', keys, replayWindow: 3 });
    const packets = [1n, 2n, 3n, 4n].map((id) => sending.encode(message({ from: sender(id, '10.0.0.1', id), seq: 1n })));
    node.decode(packets[0]!);
    node.decode(packets[1]!);
    node.decode(packets[2]!);
    // Hear sender 1 again (newer seq) so sender 2 becomes the oldest.
    node.decode(sending.encode(message({ from: sender(1n, '10.0.0.1', 1n), seq: 2n })));
    node.decode(packets[3]!);
    expect(node.trackedSenders).toBe(3);
    expect(reasonOf(node.decode(packets[0]!))).toBe('replay'); // still tracked
    expect(reasonOf(node.decode(packets[2]!))).toBe('replay'); // still tracked
    // Sender 2 was evicted: its old packet is no longer recognised (documented trade-off).
    expect(reasonOf(node.decode(packets[1]!))).toBe('ok');
  });

  it('without keys, a full table takes no new senders: the tracked ones keep their duplicate filter', () => {
    const sending = createV1Codec({ cluster: 'c' });
    const node = createV1Codec({ cluster: 'c', replayWindow: 3 });
    const packets = [1n, 2n, 3n, 4n].map((id) => sending.encode(message({ from: sender(id, '10.0.0.1', id), seq: 1n })));
    for (const packet of packets.slice(0, 3)) node.decode(packet);
    // A flood of made-up senders changes nothing in the table.
    for (let i = 0; i < 1000; i++) node.decode(sending.encode(message({ from: sender(100n + BigInt(i), '10.0.0.9', 5n), seq: 1n })));
    expect(node.trackedSenders).toBe(3);
    for (const packet of packets.slice(0, 3)) expect(reasonOf(node.decode(packet))).toBe('replay');
    // The one left out only loses duplicate suppression: its copies are accepted.
    expect(reasonOf(node.decode(packets[3]!))).toBe('ok');
    expect(reasonOf(node.decode(packets[3]!))).toBe('ok');
  });

  it('stays bounded under many distinct senders', () => {
    const sending = createV1Codec({ cluster: 'c' });
    const node = createV1Codec({ cluster: 'c', replayWindow: 100 });
    for (let i = 0; i < 1000; i++) {
      node.decode(sending.encode(message({ from: sender(BigInt(i), '10.0.0.1', 1n), seq: 1n })));
    }
    expect(node.trackedSenders).toBe(100);
  });
});
