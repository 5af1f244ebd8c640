import { describe, expect, it } from 'vitest';
import { createV1Codec, type DecodeResult } from '../../lib/wire';
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

    it('an older sequence number after a newer one is a replay', () => {
      const sending = codec();
      const older = sending.encode(message({ seq: 10n }));
      const newer = sending.encode(message({ seq: 11n }));
      const node = codec();
      expect(reasonOf(node.decode(newer))).toBe('ok');
      expect(reasonOf(node.decode(older))).toBe('replay');
      expect(reasonOf(node.decode(sending.encode(message({ seq: 12n }))))).toBe('ok');
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
      expect(reasonOf(node.decode(sending.encode(message({ from: first, seq: 8999n }))))).toBe('replay');
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

describe('replay window bounds memory', () => {
  it('keeps at most replayWindow senders, evicting the least recently heard', () => {
    const sending = createV1Codec({ cluster: 'c' });
    const node = createV1Codec({ cluster: 'c', replayWindow: 3 });
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

  it('stays bounded under many distinct senders', () => {
    const sending = createV1Codec({ cluster: 'c' });
    const node = createV1Codec({ cluster: 'c', replayWindow: 100 });
    for (let i = 0; i < 1000; i++) {
      node.decode(sending.encode(message({ from: sender(BigInt(i), '10.0.0.1', 1n), seq: 1n })));
    }
    expect(node.trackedSenders).toBe(100);
  });
});
