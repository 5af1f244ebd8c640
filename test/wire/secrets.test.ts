import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WireSecret, createV1Codec } from '../../lib/wire';

const SECRET = 'do-not-print-this-secret-9f3a';
const SECRET_BYTES = Buffer.from('5ec2e75ec2e75ec2e75ec2e75ec2e75e', 'hex');

function leaks(text: string): boolean {
  return text.includes(SECRET) || text.includes(SECRET_BYTES.toString('hex')) || text.includes(SECRET_BYTES.toString('base64'));
}

describe('secrets never printed', () => {
  const options = { cluster: 'c', keys: [{ id: 1, secret: SECRET }, { id: 2, secret: SECRET_BYTES }] };
  const codec = createV1Codec(options);

  it('util.inspect, String() and JSON.stringify of the codec show no secret', () => {
    for (const text of [
      inspect(codec, { depth: 10, showHidden: true }),
      String(codec),
      `${codec}`,
      JSON.stringify(codec),
      inspect({ holder: codec }, { depth: 10 }),
    ]) {
      expect(leaks(text), text).toBe(false);
    }
    expect(JSON.parse(JSON.stringify(codec))).toEqual({ wire: 'v1', cluster: 'c', keyIds: [1, 2], sendKeyId: 1 });
  });

  it('a WireSecret prints as [redacted] everywhere', () => {
    const secret = new WireSecret(SECRET);
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret, { showHidden: true, depth: 10 })).toBe('WireSecret [redacted]');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('options holding WireSecret objects can be logged safely', () => {
    const safeOptions = { cluster: 'c', keys: [{ id: 1, secret: new WireSecret(SECRET) }] };
    expect(leaks(JSON.stringify(safeOptions))).toBe(false);
    expect(leaks(inspect(safeOptions, { depth: 10 }))).toBe(false);
    const viaWrapped = createV1Codec(safeOptions);
    const plain = createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: SECRET }] });
    const packet = plain.encode({
      type: 'ok', term: 1n, seq: 1n, flags: 0, from: { id: 1n, address: '10.0.0.1', nonce: 1n },
    });
    expect(viaWrapped.decode(packet).ok).toBe(true);
  });

  it('error messages about keys never include the secret', () => {
    const attempts = [
      () => createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: SECRET }, { id: 1, secret: SECRET }] }),
      () => createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: SECRET }], sendKeyId: 9 }),
      () => createV1Codec({ cluster: 'c', keys: [{ id: 300, secret: SECRET }] }),
      () => createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: SECRET.slice(0, 10) }] }),
      () => createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: SECRET_BYTES.subarray(0, 8) }] }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Error);
      const error = caught as Error;
      expect(leaks(`${error.message} ${error.stack} ${inspect(error)}`)).toBe(false);
      expect(error.message).not.toContain(SECRET.slice(0, 10));
    }
  });

  it('decode details never include the secret', () => {
    const other = createV1Codec({ cluster: 'c', keys: [{ id: 1, secret: 'another-secret-of-enough-length' }] });
    const packet = other.encode({
      type: 'ok', term: 1n, seq: 1n, flags: 0, from: { id: 1n, address: '10.0.0.1', nonce: 1n },
    });
    const result = codec.decode(packet);
    expect(result.ok).toBe(false);
    expect(leaks(JSON.stringify(result))).toBe(false);
  });

  it('the codec copies the secret: mutating the caller buffer does not change the key', () => {
    const bytes = Buffer.from(SECRET_BYTES);
    const signer = createV1Codec({ cluster: 'c', keys: [{ id: 2, secret: bytes }] });
    bytes.fill(0);
    const packet = signer.encode({
      type: 'ok', term: 1n, seq: 1n, flags: 0, from: { id: 1n, address: '10.0.0.1', nonce: 1n },
    });
    const verifier = createV1Codec({ cluster: 'c', keys: [{ id: 2, secret: SECRET_BYTES }] });
    expect(verifier.decode(packet).ok).toBe(true);
  });
});
