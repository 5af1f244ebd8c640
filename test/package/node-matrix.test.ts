// The tarball, installed with scripts disabled (no compiler involved), under every supported
// Node major: the prebuild is the one loaded, require() and import() work, and `multibully demo`
// (three participants on lo) elects node 3 and hands over to node 2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeMatrix, provided, run, runAsync } from './support';

const probe = `
  const names = m.listInterfaces().map((i) => i.name);
  const socket = new m.MulticastSocket({ family: 4 });
  socket.bind(0);
  const port = socket.address().port;
  socket.close();
  const addon = require('node-gyp-build').path(require('node:path').dirname(require.resolve('multibully/package.json')));
  process.stdout.write(JSON.stringify({ version: process.version, arch: process.arch, names, port, addon, participant: typeof m.Participant }));
`;

interface ProbeResult {
  version: string;
  arch: string;
  names: string[];
  port: number;
  addon: string;
  participant: string;
}

describe.each(nodeMatrix())('Node $major', ({ major, bin }) => {
  // PATH first: the CLI's `#!/usr/bin/env node` must run this Node, as npx would for a user.
  const env = { ...process.env, PATH: `${path.dirname(bin)}:${process.env.PATH ?? ''}` };

  it('loads the shipped linux-x64 prebuild with require() (no build/ directory exists)', () => {
    const { consumer } = provided();
    expect(fs.existsSync(path.join(consumer, 'node_modules', 'multibully', 'build'))).toBe(false);
    const result = JSON.parse(run(bin, ['-e', `const m = require('multibully');${probe}`], { cwd: consumer, env, timeout: 60_000 })) as ProbeResult;
    expect(result.version.startsWith(`v${major}.`)).toBe(true);
    expect(result.arch).toBe('x64');
    expect(result.addon).toBe(path.join(consumer, 'node_modules', 'multibully', 'prebuilds', 'linux-x64', 'multibully.glibc.node'));
    expect(result.names).toContain('lo');
    expect(result.port).toBeGreaterThan(0);
    expect(result.participant).toBe('function');
  });

  it('loads with import()', () => {
    const { consumer } = provided();
    const script = `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); const m = await import('multibully');${probe}`;
    const result = JSON.parse(run(bin, ['--input-type=module', '-e', script], { cwd: consumer, env, timeout: 60_000 })) as ProbeResult;
    expect(result.version.startsWith(`v${major}.`)).toBe(true);
    expect(result.names).toContain('lo');
    expect(result.participant).toBe('function');
  });

  it('runs `multibully demo`: node 3 leads, then hands over to node 2', async () => {
    const { consumer } = provided();
    const cli = path.join(consumer, 'node_modules', '.bin', 'multibully');
    expect(run('sh', ['-c', 'node --version'], { cwd: consumer, env }).trim().startsWith(`v${major}.`)).toBe(true);
    const out = await runAsync(cli, ['demo'], { cwd: consumer, env, timeout: 90_000 });
    expect(out).toMatch(/3 participants on lo/);
    expect(out).toMatch(/node 3: LEADER, term \d+/);
    expect(out).toMatch(/All 3 nodes follow node 3/);
    expect(out).toMatch(/Handover: node 2 leads/);
    expect(out).toMatch(/node 1: follows node 2 at 127\.0\.0\.1/);
  });
});
