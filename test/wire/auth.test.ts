import { describe, expect, it } from 'vitest';
import { createV1Codec, type Codec, type DecodeResult } from '../../lib/wire';
import { SECRET_ONE, SECRET_TWO, message, sender } from './fixtures';

const KEY_ONE = { id: 1, secret: SECRET_ONE };
const KEY_TWO = { id: 2, secret: SECRET_TWO };

function reasonOf(result: DecodeResult): string {
  return result.ok ? 'ok' : result.reason;
}

describe('v1 authentication', () => {
  it('a packet signed with the wrong secret under a known key id is dropped as bad-tag', () => {
    const attacker = createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: 'a completely different secret' }] });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const result = node.decode(attacker.encode(message()));
    expect(reasonOf(result)).toBe('bad-tag');
  });

  it('a packet under a key id the node does not have is dropped as unknown-key', () => {
    const sender2 = createV1Codec({ cluster: 'c', keys: [KEY_TWO] });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const result = node.decode(sender2.encode(message()));
    expect(result).toMatchObject({ ok: false, reason: 'unknown-key', detail: expect.stringMatching(/key id 2/) });
  });

  it('an unauthenticated packet is dropped by a node with keys', () => {
    const plain = createV1Codec({ cluster: 'c' });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    expect(reasonOf(node.decode(plain.encode(message())))).toBe('unauthenticated');
  });

  it('a keyless node drops authenticated packets as unknown-key (it cannot verify them)', () => {
    const signer = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const keyless = createV1Codec({ cluster: 'c' });
    const result = keyless.decode(signer.encode(message()));
    expect(result).toMatchObject({ ok: false, reason: 'unknown-key', detail: expect.stringMatching(/no keys/) });
  });

  it('stripping the auth trailer and clearing the flag does not help an attacker', () => {
    const signer = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const packet = signer.encode(message());
    const stripped = Buffer.from(packet.subarray(0, packet.length - 33));
    stripped[4]! &= 0x7f;
    expect(reasonOf(node.decode(stripped))).toBe('unauthenticated');
  });

  for (const [name, build] of [
    ['IPv4 heartbeat', () => message()],
    ['IPv6 COORDINATOR with metadata', () => message({ from: sender(9n, 'fd77::9', 3n), metadata: Buffer.from('meta') })],
    ['RESIGN', () => message({ type: 'resign' })],
  ] as const) {
    it(`one tampered byte at each position of an authenticated ${name} → dropped`, () => {
      const signer = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
      const packet = signer.encode(build());
      const seen = new Set<string>();
      for (let position = 0; position < packet.length; position++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] }); // fresh: no replay state involved
          const tampered = Buffer.from(packet);
          tampered[position]! ^= mask;
          const result = node.decode(tampered);
          expect(result.ok, `byte ${position} ^ 0x${mask.toString(16)} was accepted`).toBe(false);
          seen.add(reasonOf(result));
        }
      }
      // Most flips land in verified fields and only the tag catches them.
      expect(seen.has('bad-tag')).toBe(true);
      const pristine = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
      expect(pristine.decode(packet).ok).toBe(true);
    });
  }

  it('a packet failing verification does not advance the replay table', () => {
    const signer = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const genuine = signer.encode(message({ seq: 5n }));
    // Forge seq 1000 for the same sender: the tag no longer matches.
    const forged = Buffer.from(signer.encode(message({ seq: 6n })));
    forged.writeBigUInt64BE(1000n, 38);
    expect(reasonOf(node.decode(forged))).toBe('bad-tag');
    expect(node.trackedSenders).toBe(0);
    expect(reasonOf(node.decode(genuine))).toBe('ok');
  });
});

describe('key rotation', () => {
  const from = (id: bigint) => sender(id, '10.77.0.' + id, id * 1000n);

  it('a node accepting keys 1 and 2 verifies senders on key 1 and on key 2', () => {
    const onOne = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const onTwo = createV1Codec({ cluster: 'c', keys: [KEY_TWO] });
    const node = createV1Codec({ cluster: 'c', keys: [KEY_ONE, KEY_TWO] });
    expect(node.decode(onOne.encode(message({ from: from(1n) })))).toMatchObject({ ok: true });
    expect(node.decode(onTwo.encode(message({ from: from(2n) })))).toMatchObject({ ok: true });
    expect(node.sendKeyId).toBe(1); // default: first key
    expect(node.keyIds).toEqual([1, 2]);
  });

  it('a sender switching from key 1 to key 2 stays verified through the rotation', () => {
    // Step 1: everybody accepts {1}. Step 2: receivers accept {1, 2}. Step 3: the sender sends
    // with 2. Step 4: receivers drop key 1 and still accept the sender.
    const beforeRotation = createV1Codec({ cluster: 'c', keys: [KEY_ONE, KEY_TWO], sendKeyId: 1 });
    const afterRotation = createV1Codec({ cluster: 'c', keys: [KEY_ONE, KEY_TWO], sendKeyId: 2 });
    const receiverBoth = createV1Codec({ cluster: 'c', keys: [KEY_ONE, KEY_TWO] });
    const receiverNewOnly = createV1Codec({ cluster: 'c', keys: [KEY_TWO] });
    const leader = from(4n);

    const old = beforeRotation.encode(message({ from: leader, seq: 1n }));
    const rotated = afterRotation.encode(message({ from: leader, seq: 2n }));
    expect(old[old.length - 33]).toBe(1);
    expect(rotated[rotated.length - 33]).toBe(2);
    expect(reasonOf(receiverBoth.decode(old))).toBe('ok');
    expect(reasonOf(receiverBoth.decode(rotated))).toBe('ok');
    expect(reasonOf(receiverNewOnly.decode(old))).toBe('unknown-key');
    expect(reasonOf(receiverNewOnly.decode(rotated))).toBe('ok');
  });

  it('the same message under two keys gives two different tags', () => {
    const one: Codec = createV1Codec({ cluster: 'c', keys: [KEY_ONE] });
    const two: Codec = createV1Codec({ cluster: 'c', keys: [KEY_TWO] });
    const a = one.encode(message());
    const b = two.encode(message());
    expect(a.subarray(0, a.length - 33)).toEqual(b.subarray(0, b.length - 33));
    expect(a.subarray(a.length - 32)).not.toEqual(b.subarray(b.length - 32));
  });
});
