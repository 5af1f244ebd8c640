// An IPv6 group on the loopback interface cannot work on Linux (no IPv6 multicast route on lo):
// refused in the constructor with the reason and the fix, instead of a fault with a bare
// ENETUNREACH after start().
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lanSupport } from '../lan';
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
    expect(make).toThrow(/^interface lo cannot carry the IPv6 group ff02::77: Linux carries no IPv6 multicast on the loopback interface \(sends fail with ENETUNREACH, and with a route added nothing comes back\)/);
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

describe('why the refusal holds (Linux, in a private network namespace)', () => {
  // Pins the kernel's behaviour the refusal rests on: should a kernel loop IPv6 multicast back on
  // lo some day, this fails and the refusal should be revisited.
  it.runIf(lanSupport().ok)('an IPv6 group on lo: without a route the send fails (ENETUNREACH); with one it leaves, and nothing comes back', () => {
    const fixture = resolve(__dirname, 'fixtures/ipv6-on-lo.cjs');
    const run = (setup: string, nic = 'lo') => {
      const result = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && ${setup} && exec "${process.execPath}" "${fixture}" ff02::77 ${freshGroup().port} ${nic}`], { encoding: 'utf8', timeout: 20_000 });
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as { sent: boolean; error: string | null; received: number };
    };
    expect(run('true')).toEqual({ sent: false, error: 'ENETUNREACH', received: 0 });
    expect(run('ip -6 route add ff00::/8 dev lo table local && ip link set lo multicast on')).toEqual({ sent: true, error: null, received: 0 });
    // The same sockets on a veth with IPv6 hear the datagram (both of them: loopback is on).
    expect(run('ip link add mbv0 type veth peer name mbv1 && ip link set mbv1 up && ip link set mbv0 up && ip address add fd99::1/64 dev mbv0 nodad', 'mbv0')).toEqual({ sent: true, error: null, received: 2 });
  });
});
