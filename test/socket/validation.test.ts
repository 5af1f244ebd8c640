// Every bad input is refused before any syscall with its own coded error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MulticastSocket, listInterfaces, resolveInterface } from '../../lib/socket';
import { loadBindingFrom } from '../../lib/socket/binding';
import { loIndex } from './helpers';

const open: MulticastSocket[] = [];
function socket(family: 4 | 6 = 4): MulticastSocket {
  const s = new MulticastSocket({ family });
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function codeOf(fn: () => unknown): { name: string; code: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected a throw');
}

describe('socket argument validation', () => {
  it('rejects a bad family or maxDatagramSize', () => {
    expect(codeOf(() => new MulticastSocket({ family: 5 as 4 }))).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_INVALID_FAMILY' });
    expect(codeOf(() => new MulticastSocket(undefined as never))).toMatchObject({ name: 'TypeError', code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
    expect(codeOf(() => new MulticastSocket({ family: 4, maxDatagramSize: 0 }))).toMatchObject({ code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
  });

  it('rejects a group that is not multicast, or of the wrong family', () => {
    const s = socket();
    const notMulticast = codeOf(() => s.join('10.1.2.3', 'lo'));
    expect(notMulticast).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_NOT_MULTICAST' });
    expect(notMulticast.message).toContain('224.0.0.0/4');
    expect(codeOf(() => s.join('240.0.0.1', 'lo'))).toMatchObject({ code: 'ERR_MULTIBULLY_NOT_MULTICAST' });
    expect(codeOf(() => s.join('ff02::1', 'lo'))).toMatchObject({ name: 'TypeError', code: 'ERR_MULTIBULLY_INVALID_ADDRESS' });
    expect(codeOf(() => s.join('not-an-address', 'lo'))).toMatchObject({ code: 'ERR_MULTIBULLY_INVALID_ADDRESS' });
    const v6 = socket(6);
    expect(codeOf(() => v6.join('fe80::1', 'lo'))).toMatchObject({ code: 'ERR_MULTIBULLY_NOT_MULTICAST' });
    expect(codeOf(() => v6.join('239.1.1.1', 'lo'))).toMatchObject({ code: 'ERR_MULTIBULLY_INVALID_ADDRESS' });
  });

  it('rejects ports out of range or not integers', () => {
    const s = socket();
    for (const port of [-1, 65_536, 1.5, Number.NaN, '80' as unknown as number]) {
      expect(codeOf(() => s.bind(port))).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_INVALID_PORT' });
    }
    for (const port of [0, 65_536]) {
      expect(codeOf(() => s.send(Buffer.from('x'), '239.1.1.1', port))).toMatchObject({ code: 'ERR_MULTIBULLY_INVALID_PORT' });
    }
  });

  it('rejects an unknown interface and lists the ones that exist', () => {
    const s = socket();
    const byName = codeOf(() => s.join('239.1.1.1', 'nosuchif0'));
    expect(byName).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_UNKNOWN_INTERFACE' });
    expect(byName.message).toContain(`lo (${loIndex()})`);
    expect(codeOf(() => s.setMulticastInterface(99_999))).toMatchObject({ code: 'ERR_MULTIBULLY_UNKNOWN_INTERFACE' });
    expect(codeOf(() => s.setMulticastInterface('203.0.113.250'))).toMatchObject({ code: 'ERR_MULTIBULLY_UNKNOWN_INTERFACE' });
    expect(codeOf(() => s.join('239.1.1.1', {} as never))).toMatchObject({ name: 'TypeError', code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
  });

  // Deterministic coverage is in netns.test.ts; here only if this host has such an interface.
  const bare = listInterfaces().find((i) => !i.addresses.some((a) => a.family === 4));
  it.skipIf(!bare)('rejects an interface without an address of the needed family', () => {
    const error = codeOf(() => socket().join('239.1.1.1', bare!.name));
    expect(error).toMatchObject({ code: 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS' });
    expect(error.message).toContain(bare!.name);
  });

  it('rejects payloads over the UDP limit and non-bytes', () => {
    const s = socket();
    const big = codeOf(() => s.send(Buffer.alloc(65_508), '239.1.1.1', 9));
    expect(big).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_PAYLOAD_TOO_LARGE' });
    expect(big.message).toContain('65507');
    expect(codeOf(() => socket(6).send(Buffer.alloc(65_528), 'ff02::1', 9))).toMatchObject({ code: 'ERR_MULTIBULLY_PAYLOAD_TOO_LARGE' });
    expect(codeOf(() => s.send('text' as never, '239.1.1.1', 9))).toMatchObject({ name: 'TypeError', code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
  });

  it('rejects bad TTL and loopback values', () => {
    const s = socket();
    for (const ttl of [-1, 256, 1.5]) {
      expect(codeOf(() => s.setTTL(ttl))).toMatchObject({ name: 'RangeError', code: 'ERR_MULTIBULLY_INVALID_TTL' });
    }
    expect(codeOf(() => s.setLoopback(1 as never))).toMatchObject({ name: 'TypeError', code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
  });

  it('refuses a second bind', () => {
    const s = socket();
    s.bind(0);
    expect(codeOf(() => s.bind(0))).toMatchObject({ code: 'ERR_MULTIBULLY_ALREADY_BOUND' });
  });

  it('refuses every use after close, and close stays idempotent', () => {
    const s = socket();
    s.close();
    s.close();
    expect(s.closed).toBe(true);
    const uses: Array<() => unknown> = [
      () => s.bind(0),
      () => s.join('239.1.1.1', 'lo'),
      () => s.leave('239.1.1.1', 'lo'),
      () => s.setMulticastInterface('lo'),
      () => s.setTTL(1),
      () => s.getTTL(),
      () => s.setLoopback(true),
      () => s.bindToDevice('lo'),
      () => s.send(Buffer.from('x'), '239.1.1.1', 9),
      () => s.address(),
      () => s.ref(),
    ];
    for (const use of uses) expect(codeOf(use)).toMatchObject({ code: 'ERR_MULTIBULLY_SOCKET_CLOSED' });
  });
});

describe('interface lookup', () => {
  it('lists lo with its flags, index and addresses', () => {
    const lo = listInterfaces().find((i) => i.name === 'lo');
    expect(lo).toBeDefined();
    expect(lo!.index).toBeGreaterThan(0);
    expect(lo!.flags).toMatchObject({ up: true, loopback: true });
    expect(lo!.addresses).toContainEqual({ family: 4, address: '127.0.0.1', netmask: '255.0.0.0', prefixLength: 8, scopeId: 0 });
  });

  it('resolves by name, index, decimal string and local address to the same interface', () => {
    const index = loIndex();
    for (const spec of ['lo', index, String(index), '127.0.0.1']) {
      expect(resolveInterface(spec, 4)).toMatchObject({ name: 'lo', index, address: '127.0.0.1', scopeId: 0, family: 4 });
    }
  });
});

describe('native loader', () => {
  it('names the platform and how to build when no addon is found', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'multibully-nobinding-'));
    try {
      const error = codeOf(() => loadBindingFrom(empty));
      expect(error.code).toBe('ERR_MULTIBULLY_NATIVE_MISSING');
      expect(error.message).toContain(`${process.platform}-${process.arch}`);
      expect(error.message).toContain('npm run build');
      expect(error.message).toContain('C++ compiler');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
