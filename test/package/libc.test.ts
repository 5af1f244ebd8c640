// The prebuilds are tagged `glibc`. node-gyp-build (node_modules/node-gyp-build/node-gyp-build.js)
// takes the running libc from $LIBC, else 'musl' when /etc/alpine-release exists, else 'glibc',
// and skips a prebuild whose libc tag differs. So on musl it finds no prebuild, its install
// script's load test fails, and `npm install` builds the addon from source (native/ and
// binding.gyp ship for that). $LIBC stands in for an Alpine host here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attempt, provided, run, runAsync } from './support';

function resolveAddon(cwd: string, env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const script = `process.stdout.write(require('node-gyp-build').path(require('node:path').dirname(require.resolve('multibully/package.json'))))`;
  // PREBUILDS_ONLY: look at prebuilds/ only, as for a package installed without a build/.
  return attempt(process.execPath, ['-e', script], { cwd, env: { ...process.env, PREBUILDS_ONLY: '1', ...env } });
}

describe('libc-tagged prebuilds', () => {
  it('glibc (this host) selects the glibc prebuild of its architecture', () => {
    const { consumer } = provided();
    const prebuilds = path.join(consumer, 'node_modules', 'multibully', 'prebuilds');
    const host = resolveAddon(consumer, {});
    expect(host.stdout).toBe(path.join(prebuilds, 'linux-x64', 'multibully.glibc.node'));
    const explicit = resolveAddon(consumer, { LIBC: 'glibc' });
    expect(explicit.stdout).toBe(host.stdout);
    // npm_config_arch is how node-gyp-build is told another architecture.
    const arm = resolveAddon(consumer, { npm_config_arch: 'arm64' });
    expect(arm.stdout).toBe(path.join(prebuilds, 'linux-arm64', 'multibully.glibc.node'));
  });

  it('musl finds no prebuild (it never loads a glibc binary)', () => {
    const { consumer } = provided();
    for (const arch of ['x64', 'arm64']) {
      const musl = resolveAddon(consumer, { LIBC: 'musl', npm_config_arch: arch });
      expect(musl.status).not.toBe(0);
      expect(musl.stdout).toBe('');
      expect(musl.stderr).toContain(`No native build was found for platform=linux arch=${arch}`);
      expect(musl.stderr).toContain('libc=musl');
    }
  });

  it('on musl, the install script builds the addon from the shipped sources', async () => {
    const { tarball, scratch } = provided();
    const project = path.join(scratch, 'musl-consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'musl-consumer', version: '1.0.0', private: true }));
    // With install scripts this time: `node-gyp-build` runs, as in a user's `npm install`.
    await runAsync('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
      cwd: project,
      env: { ...process.env, LIBC: 'musl' },
      timeout: 600_000,
    });
    const pkg = path.join(project, 'node_modules', 'multibully');
    const built = path.join(pkg, 'build', 'Release', 'multibully.node');
    expect(fs.existsSync(built)).toBe(true);
    // What a musl host would then load: the local build, not a prebuild.
    const loaded = run(process.execPath, ['-e', `process.stdout.write(require('node-gyp-build').path(${JSON.stringify(pkg)}) + ' ' + require('multibully').listInterfaces().some((n) => n.name === 'lo'))`], {
      cwd: project,
      env: { ...process.env, LIBC: 'musl' },
    });
    expect(loaded).toBe(`${built} true`);
  });
});
