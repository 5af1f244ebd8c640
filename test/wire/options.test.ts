import { describe, expect, it } from 'vitest';
import { createV1Codec, type V1CodecOptions } from '../../lib/wire';
import { SECRET_ONE } from './fixtures';

const key = (id: unknown, secret: unknown = SECRET_ONE) => ({ id, secret }) as never;

describe('createV1Codec option validation', () => {
  it.each([
    ['no options', undefined, TypeError, /must be an object/],
    ['missing cluster', {}, TypeError, /cluster is required/],
    ['empty cluster name', { cluster: '' }, RangeError, /1\.\.64 bytes/],
    ['cluster name of 65 bytes', { cluster: 'x'.repeat(65) }, RangeError, /got 65/],
    ['cluster name of 33 two-byte characters', { cluster: 'é'.repeat(33) }, RangeError, /got 66/],
    ['cluster with a lone surrogate', { cluster: 'a\ud800' }, RangeError, /well-formed/],
    ['numeric cluster', { cluster: 7 }, TypeError, /string or a Uint8Array/],
    ['keys not an array', { cluster: 'c', keys: { id: 1 } }, TypeError, /keys must be an array/],
    ['key not an object', { cluster: 'c', keys: ['secret'] }, TypeError, /keys\[0\] must be an object/],
    ['key id missing', { cluster: 'c', keys: [key(undefined)] }, TypeError, /keys\[0\]\.id must be an integer/],
    ['key id fractional', { cluster: 'c', keys: [key(1.5)] }, TypeError, /integer in 0\.\.255/],
    ['key id negative', { cluster: 'c', keys: [key(-1)] }, RangeError, /0\.\.255, got -1/],
    ['key id 256', { cluster: 'c', keys: [key(256)] }, RangeError, /0\.\.255, got 256/],
    ['duplicate key ids', { cluster: 'c', keys: [key(1), key(1)] }, RangeError, /key id 1 twice/],
    ['empty secret', { cluster: 'c', keys: [key(1, '')] }, RangeError, /must not be empty/],
    ['empty secret bytes', { cluster: 'c', keys: [key(1, new Uint8Array(0))] }, RangeError, /must not be empty/],
    ['15-byte secret', { cluster: 'c', keys: [key(1, 'x'.repeat(15))] }, RangeError, /at least 16 bytes \(got 15\)/],
    ['numeric secret', { cluster: 'c', keys: [key(1, 12345678901234567890)] }, TypeError, /secret must be a string/],
    ['sendKeyId not among keys', { cluster: 'c', keys: [key(1)], sendKeyId: 2 }, RangeError, /not among options.keys \(key ids: 1\)/],
    ['sendKeyId without keys', { cluster: 'c', sendKeyId: 0 }, RangeError, /key ids: none/],
    ['sendKeyId out of range', { cluster: 'c', keys: [key(1)], sendKeyId: 999 }, RangeError, /sendKeyId must be an integer in 0\.\.255/],
    ['replayWindow 0', { cluster: 'c', replayWindow: 0 }, RangeError, /replayWindow must be in 1\.\./],
    ['replayWindow fractional', { cluster: 'c', replayWindow: 2.5 }, TypeError, /replayWindow must be an integer/],
    ['replayWindow huge', { cluster: 'c', replayWindow: 1e9 }, RangeError, /replayWindow/],
  ])('%s', (_name, options, errorClass, pattern) => {
    expect(() => createV1Codec(options as unknown as V1CodecOptions)).toThrow(errorClass);
    expect(() => createV1Codec(options as unknown as V1CodecOptions)).toThrow(pattern);
  });

  it('errors carry a Node-style code', () => {
    try {
      createV1Codec({ cluster: 'c', keys: [key(1), key(1)] });
      expect.unreachable();
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE');
    }
  });

  it('accepts the boundaries', () => {
    expect(() => createV1Codec({ cluster: 'x'.repeat(64) })).not.toThrow();
    expect(() => createV1Codec({ cluster: new Uint8Array([0]) })).not.toThrow();
    expect(() => createV1Codec({ cluster: 'c', keys: [key(0, 'x'.repeat(16)), key(255)], sendKeyId: 255 })).not.toThrow();
    expect(() => createV1Codec({ cluster: 'c', keys: [] })).not.toThrow();
    expect(createV1Codec({ cluster: 'c', keys: [] }).sendKeyId).toBeUndefined();
  });

  it('a cluster given as bytes hashes the same as the equal string', () => {
    expect(createV1Codec({ cluster: Buffer.from('prod-é') }).clusterId).toBe(createV1Codec({ cluster: 'prod-é' }).clusterId);
    expect(createV1Codec({ cluster: 'a' }).clusterId).not.toBe(createV1Codec({ cluster: 'b' }).clusterId);
  });
});
