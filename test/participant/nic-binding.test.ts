// An IPv6 group on the loopback interface cannot work on Linux (no IPv6 multicast route on lo):
// refused in the constructor with the reason and the fix, instead of a fault with a bare
// ENETUNREACH after start().
import { describe, expect, it } from 'vitest';
import { parseGroupAddress } from '../../lib/address';
import { Participant } from '../../lib/participant';
import { checkGroupOnInterface } from '../../lib/participant/nic-binding';
import { freshGroup } from './helpers';

const LOOPBACK = { name: 'lo', flags: { up: true, running: true, multicast: false, loopback: true } };

describe('the group on the chosen NIC', () => {
  it.runIf(process.platform === 'linux')('refuses an IPv6 group on lo before anything is opened, naming the reason and the fix', () => {
    const { port } = freshGroup();
    const make = () => new Participant({ address: `[ff02::77]:${port}`, interface: 'lo', id: 1 });
    expect(make).toThrow(RangeError);
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_MULTIBULLY_UNSUPPORTED' }));
    expect(make).toThrow(/^interface lo cannot carry the IPv6 group ff02::77: Linux has no IPv6 multicast route on the loopback interface, so every send would fail \(ENETUNREACH\)/);
    expect(make).toThrow(new RegExp(`Use an IPv4 group on lo \\(e\\.g\\. 239\\.255\\.0\\.1:${port}\\)`));
  });

  it('takes an IPv4 group on lo, and an IPv6 group on lo where the platform routes it', () => {
    const { address, cluster } = freshGroup();
    expect(() => new Participant({ address, cluster, interface: 'lo', id: 1 })).not.toThrow();
    expect(() => checkGroupOnInterface(parseGroupAddress('[ff02::77]:9'), LOOPBACK, 'darwin')).not.toThrow();
    expect(() => checkGroupOnInterface(parseGroupAddress('[ff02::77]:9'), { ...LOOPBACK, name: 'eth0', flags: { ...LOOPBACK.flags, loopback: false } }, 'linux')).not.toThrow();
    expect(() => checkGroupOnInterface(parseGroupAddress('[ff02::77]:9'), LOOPBACK, 'linux')).toThrow(/cannot carry the IPv6 group/);
  });
});
